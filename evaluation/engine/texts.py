"""Every sentence the engine writes for people, in French, and the French number formats.

Templates are module constants (str.format with named fields) so that a later pass can route
them through gettext without touching the rules. Numbers follow French typography: decimal
comma, a no-break space before "%" and between thousands, a true minus sign ("−12,3 %",
"+12,3 %", "3,4/5", "1 234 vélos/jour").
"""

from __future__ import annotations

import datetime as dt

from .results import Caveat, Shortfall

NBSP = "\u00a0"
MINUS = "\u2212"

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def number(value: float, decimals: int = 1) -> str:
    text = f"{abs(value):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    negative = value < 0 and round(abs(value), decimals) != 0
    return (MINUS if negative else "") + text


def signed_percent(value: float) -> str:
    """+12,3 % / −4,0 % / 0,0 %."""
    sign = "+" if round(value, 1) > 0 else ""
    return f"{sign}{number(value)}{NBSP}%"


def share(value: float) -> str:
    """A proportion (0–1) as a whole percentage: 42 %."""
    return f"{number(100 * value, 0)}{NBSP}%"


def rating(value: float) -> str:
    return f"{number(value)}/5"


def quantity(value: float, unit: str) -> str:
    decimals = 0 if abs(value) >= 100 else 1
    return f"{number(value, decimals)}{NBSP}{unit}".rstrip()


def metres(value: float) -> str:
    return f"{number(value, 0)}{NBSP}m"


def date(value: dt.date) -> str:
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def weeks(count: int) -> str:
    return f"{count} semaine" if count == 1 else f"{count} semaines"


def level(confidence_level: float) -> str:
    return f"{number(100 * confidence_level, 0)}{NBSP}%"


# --- describing one indicator ----------------------------------------------------------------

# One sentence per indicator (the caller adds the final full stop). {name} is the indicator's
# name; {value}, {low}, {high}, {target} are already formatted.
PERCEPTION_DETAIL = (
    "« {name} » : {value} (IC à {level} : {low} à {high} ; {n} avis), cible {target}"
)
PERCEPTION_DETAIL_NO_INTERVAL = "« {name} » : {value} ({n} avis), cible {target}"
CHANGE_DETAIL = (
    "« {name} » : {value} après l'adaptation du {date} "
    "(IC à {level} : {low} à {high} ; {days} jours comptés après), cible {target}"
)
CHANGE_DETAIL_NO_INTERVAL = (
    "« {name} » : {value} après l'adaptation du {date} ({days} jours comptés après), cible {target}"
)
NO_VALUE = "« {name} » : pas encore de valeur"
MEAN_DETAIL = (
    "« {name} » : {value} en moyenne (IC à {level} : {low} à {high} ; {days} jours comptés), "
    "cible {target}"
)
MEAN_DETAIL_NO_INTERVAL = "« {name} » : {value} en moyenne ({days} jours comptés), cible {target}"

INCLUDES_TARGET = "l'intervalle inclut la cible : l'écart à la cible n'est pas établi"
INCLUDES_ZERO = (
    "l'intervalle inclut zéro : on ne peut pas exclure que l'adaptation n'ait eu aucun effet"
)
BEYOND_ALERT = "au-delà du seuil d'alerte ({threshold})"

CAVEAT_TEXTS = {
    Caveat.NO_CONTROLS: (
        "sans compteur témoin, c'est une simple comparaison avant/après, qui confond l'effet "
        "de l'adaptation avec la saison, la météo et les événements communs (grèves, "
        "confinement) : à interpréter avec prudence"
    ),
    Caveat.FEW_CONTROLS: "peu de compteurs témoins : la comparaison est fragile",
    Caveat.INSUFFICIENT_DATA: "trop peu de jours de comptage valides pour estimer l'effet",
    Caveat.NO_DATA_BEFORE: "aucun comptage valide avant l'adaptation",
    Caveat.AFTER_WINDOW_INCOMPLETE: "la période après l'adaptation n'est pas encore complète",
    Caveat.WINDOWS_TRUNCATED: (
        "les périodes comparées ont été raccourcies pour ne pas empiéter sur une autre adaptation"
    ),
    Caveat.UNEVEN_SHOCK: (
        "certains compteurs ont varié seuls pendant les périodes comparées (travaux, événement "
        "local) : l'intervalle est élargi pour en tenir compte"
    ),
    Caveat.PRE_TREND: (
        "le test placebo trouve un écart qui se creusait déjà avant l'adaptation : une partie "
        "de l'effet peut en venir"
    ),
}

# --- what is missing -------------------------------------------------------------------------

SHORTFALL_TEXTS = {
    Shortfall.TOO_FEW_RATINGS: (
        "« {name} » : {n} avis sur les {minimum} requis, il en manque {ratings_needed}"
    ),
    Shortfall.TOO_FEW_DAYS: (
        "« {name} » : {n} jours de comptage valides sur les {minimum} requis, "
        "soit encore environ {weeks} de comptage"
    ),
    Shortfall.NO_COUNTER: (
        "« {name} » : aucun compteur ne mesure cet aménagement (installer un compteur)"
    ),
    Shortfall.NO_ADAPTATION: "« {name} » : aucune adaptation dont mesurer l'effet",
    Shortfall.NO_DATA_BEFORE: (
        "« {name} » : aucun comptage valide avant l'adaptation du {date}, son effet ne peut pas "
        "être mesuré (attendre ne suffira pas)"
    ),
    Shortfall.TOO_FEW_DAYS_BEFORE: (
        "« {name} » : seulement {n} jours de comptage valides avant l'adaptation du {date} sur "
        "les {minimum} requis (attendre ne suffira pas)"
    ),
    Shortfall.NOT_ESTIMABLE: (
        "« {name} » : comptages trop lacunaires autour de l'adaptation du {date} pour en "
        "estimer l'effet"
    ),
    Shortfall.SOURCE_NOT_READ: (
        "« {name} » : ses données sont des comptages manuels, que l'évaluation ne lit pas "
        "(adopter une nouvelle version qui lit les compteurs)"
    ),
}

# --- proposals -------------------------------------------------------------------------------

MAKE_PERMANENT = (
    "Toutes les cibles du panel sont atteintes, avec assez de données et des intervalles de "
    "confiance entièrement du bon côté de la cible. {details} "
    "Proposition : pérenniser l'aménagement."
)
KEEP_AND_MONITOR = (
    "Aucune cible n'est manquée, mais tout n'est pas encore établi. {details} "
    "Proposition : maintenir l'aménagement et poursuivre le suivi."
)
KEEP_AND_MONITOR_LOW_USAGE = (
    "La fréquentation reste sous sa cible alors que la perception ne manque pas la sienne. "
    "{details} Proposition : maintenir l'aménagement et suivre l'évolution de la "
    "fréquentation avant de conclure."
)
ADJUST = (
    "« {weakest} » est l'indicateur de perception le plus éloigné de sa cible. {details} "
    "{spots} Proposition : ajuster l'aménagement{where}."
)
ADJUST_WHERE = " sur ces tronçons"
HOT_SPOTS = (
    "Tronçons où les avis négatifs sont nettement plus fréquents que sur le reste du tracé "
    "(test exact de Fisher unilatéral, taux de fausses découvertes de {fdr} selon "
    "Benjamini–Hochberg) : {segments}."
)
HOT_SPOT = (
    "de {start} à {end} sur « {name} » ({negatives} avis négatifs sur {n}, soit {share} contre "
    "{rest} ailleurs)"
)
NO_HOT_SPOT = (
    "Aucun tronçon ne se distingue significativement du reste du tracé : le problème semble "
    "porter sur l'ensemble de l'aménagement."
)
ADD_SEPARATION = (
    "La fréquentation atteint sa cible mais le sentiment de sécurité non. {details} "
    "Proposition : renforcer la séparation avec la circulation motorisée (séparateurs "
    "physiques, bordures, potelets)."
)
EXTEND = (
    "La continuité de l'itinéraire est jugée insuffisante alors que la fréquentation ne manque "
    "pas sa cible. {details} Proposition : prolonger l'aménagement pour assurer la "
    "continuité."
)
REDESIGN_OR_REMOVE = (
    "La fréquentation et la perception manquent toutes deux leurs cibles. {details} "
    "Proposition : repenser l'aménagement, ou le retirer."
)
COLLECT_MORE_DATA = (
    "Les données ne suffisent pas encore pour juger. {needs} "
    "Proposition : poursuivre la collecte avant de décider."
)

# --- glue between the parts of a rationale ----------------------------------------------------

SENTENCE = "{text}."
WITH_RESERVATIONS = "{text} — {reservations}"
NOTHING = ""

# Every template by the key a `messages.Message` names it with.
TEMPLATES: dict[str, str] = {
    **{
        name: value
        for name, value in dict(globals()).items()
        if name.isupper() and isinstance(value, str) and name not in {"NBSP", "MINUS"}
    },
    **{f"CAVEAT.{caveat.value}": sentence for caveat, sentence in CAVEAT_TEXTS.items()},
    **{f"SHORTFALL.{code.value}": sentence for code, sentence in SHORTFALL_TEXTS.items()},
}
