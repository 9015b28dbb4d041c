#!/usr/bin/env bash
# Set up everything Tactique needs on a Debian machine, skipping what is already done.
#
#   scripts/bootstrap.sh run    system packages, PostGIS database, .venv, migrations, translations
#   scripts/bootstrap.sh test   the same, plus Chromium for the browser tests
#
# As root with apt, missing Debian packages are installed. Otherwise the script names the
# packages to install and expects DATABASE_URL to point at an existing PostGIS database.
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=${1:-run}
# Local set-up runs in debug mode unless told otherwise (production does not use this script).
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mErreur :\033[0m %s\n' "$*" >&2; exit 1; }

# postgresql-postgis pulls the PostGIS extension built for Debian's PostgreSQL (the `postgis`
# package alone only recommends it); gdal-bin brings GDAL, GEOS and PROJ for GeoDjango.
packages=(postgresql postgresql-postgis gdal-bin gettext python3-venv)
[ "$purpose" = test ] && packages+=(chromium fonts-dejavu-core)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installation des paquets Debian manquants : ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # With recommends: a fresh machine gets what Chromium and PostGIS expect (fonts, scripts).
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    printf 'Paquets système manquants. Installez-les puis relancez :\n  sudo apt-get install %s\n' "${missing[*]}" >&2
    [ -n "${DATABASE_URL:-}" ] || die "sans ces paquets ni DATABASE_URL (une base PostGIS existante), impossible de continuer."
    say "DATABASE_URL est défini : on continue avec cette base."
  fi
fi

# --- PostgreSQL + PostGIS (only when DATABASE_URL does not point elsewhere) ------------------
if [ -z "${DATABASE_URL:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h | grep -q .; then
      say "Création du cluster PostgreSQL $version"
      pg_createcluster "$version" main >/dev/null
    fi
    read -r cl_version cl_name _ cl_status _ < <(pg_lsclusters -h | head -n 1)
    if [ "$cl_status" != online ]; then
      say "Démarrage de PostgreSQL $cl_version/$cl_name"
      pg_ctlcluster "$cl_version" "$cl_name" start
    fi
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
    psql_pg() { as_pg psql -X -q -v ON_ERROR_STOP=1 "$@"; }
    if [ "$(psql_pg -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'tactique'")" != 1 ]; then
      say "Création du rôle PostgreSQL « tactique »"
      psql_pg -c "CREATE ROLE tactique LOGIN CREATEDB PASSWORD 'tactique'"
    fi
    # PostGIS is not a trusted extension: the superuser installs it in template1, so the
    # application database and the test databases Django creates all have it.
    psql_pg -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis"
    if [ "$(psql_pg -tAc "SELECT 1 FROM pg_database WHERE datname = 'tactique'")" != 1 ]; then
      say "Création de la base « tactique »"
      psql_pg -c "CREATE DATABASE tactique OWNER tactique"
    fi
    psql_pg -d tactique -c "CREATE EXTENSION IF NOT EXISTS postgis"
  else
    pg_isready -q -h 127.0.0.1 || die "PostgreSQL ne répond pas sur 127.0.0.1:5432. Démarrez-le, ou définissez DATABASE_URL."
  fi
fi

# --- Python virtual environment -----------------------------------------------------------
if [ ! -x .venv/bin/python ] || [ pyproject.toml -nt .venv/.installed ]; then
  say "Installation de l'environnement Python (.venv)"
  python3 -m venv .venv
  # pip warns about this machine's local package mirrors it cannot use; the rest is shown.
  .venv/bin/pip install -q --disable-pip-version-check -e ".[dev]" \
    2> >(grep -v "^WARNING: Location" >&2) || die "l'installation des paquets Python a échoué."
  touch .venv/.installed
fi

say "Migrations"
.venv/bin/python manage.py migrate --noinput -v 0
# The cache table (rate limits shared by every process; nothing done if it exists).
.venv/bin/python manage.py createcachetable -v 0
if [ -n "$(find locale -name '*.po' -newer .venv/.messages 2>/dev/null)" ] || [ ! -f .venv/.messages ]; then
  say "Compilation des traductions"
  .venv/bin/python manage.py compilemessages -v 0 --ignore .venv
  touch .venv/.messages
fi
