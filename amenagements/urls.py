app_name = "amenagements"
urlpatterns = []
