"""Ready-made questionnaires to start from. The trust barometer takes its
measures from the Paris survey of neighbourhood initiatives (2021–2022): social
trust on a scale of 0 to 7, the help asked of the collective (past and to
come), and how one's involvement changed; in the product's own words."""

from __future__ import annotations

K = "echelle", "choix", "choix_multiple", "nombre", "texte_court", "texte_long"
SCALE, SINGLE, MULTIPLE, NUMBER, SHORT, LONG = K

HELP_KINDS = [
    "Un problème matériel (un objet, une panne)",
    "Un problème de santé (une blessure, une course à faire)",
    "Un besoin de parler, un moment difficile",
    "Un problème d'argent",
    "Rien de tout cela",
]

# Each question: (kind, text, options), with optional keys.
STARTERS: dict[str, dict] = {
    "barometre": {
        "title": "Baromètre de la confiance",
        "family": "barometre-confiance",
        "intro": "Une fois par an, nous demandons à chacun comment il vit sa résidence et ce que les relais "
        "lui apportent. Cinq minutes suffisent.",
        "sections": [
            (
                "La confiance",
                [
                    {
                        "kind": SCALE,
                        "scale": "0-7",
                        "key": "confiance",
                        "text": "D'une manière générale, diriez-vous que l'on peut faire confiance à la plupart des "
                        "gens, ou que l'on n'est jamais assez prudent avec les autres\u00a0?",
                        "label_min": "On n'est jamais assez prudent",
                        "label_max": "On peut faire confiance aux gens",
                        "required": True,
                    },
                    {
                        "kind": SCALE,
                        "scale": "0-7",
                        "text": "Et dans votre résidence, pouvez-vous compter sur vos voisins\u00a0?",
                        "label_min": "Pas du tout",
                        "label_max": "Tout à fait",
                    },
                ],
            ),
            (
                "L'entraide",
                [
                    {
                        "kind": MULTIPLE,
                        "text": "Cette année, pour quoi avez-vous demandé de l'aide aux relais ou à vos voisins\u00a0?",
                        "options": HELP_KINDS,
                    },
                    {
                        "kind": MULTIPLE,
                        "text": "À l'avenir, pour quoi pourriez-vous leur en demander\u00a0?",
                        "options": HELP_KINDS,
                    },
                ],
            ),
            (
                "Votre implication",
                [
                    {
                        "kind": SCALE,
                        "scale": "1-5",
                        "text": "Par rapport à l'an dernier, votre participation à la vie de la résidence a…",
                        "label_min": "beaucoup diminué",
                        "label_max": "beaucoup augmenté",
                    },
                    {
                        "kind": SINGLE,
                        "key": "participe",
                        "text": "Avez-vous participé à une initiative des relais cette année\u00a0?",
                        "options": ["Oui", "Non"],
                    },
                    {
                        "kind": SCALE,
                        "scale": "1-5",
                        "show_if": ("participe", [0]),
                        "text": "Ces moments vous ont-ils aidé·e à mieux vivre dans la résidence\u00a0?",
                        "label_min": "Pas du tout",
                        "label_max": "Énormément",
                    },
                    {"kind": LONG, "text": "Une idée, une remarque pour l'année prochaine\u00a0?"},
                ],
            ),
        ],
    },
    "reunion": {
        "title": "Votre avis sur la réunion",
        "family": "",
        "intro": "Merci d'être venu·e. Trois questions pour que la prochaine réunion soit encore plus utile.",
        "sections": [
            (
                "La réunion",
                [
                    {
                        "kind": SCALE,
                        "scale": "0-10",
                        "text": "Dans l'ensemble, cette réunion vous a-t-elle été utile\u00a0?",
                        "label_min": "Pas du tout",
                        "label_max": "Tout à fait",
                        "required": True,
                    },
                    {
                        "kind": SINGLE,
                        "text": "Avez-vous pu dire ce que vous vouliez dire\u00a0?",
                        "options": ["Oui", "En partie", "Non"],
                    },
                    {"kind": SINGLE, "text": "La durée était…", "options": ["Trop courte", "Bien", "Trop longue"]},
                    {"kind": SHORT, "text": "Un sujet pour la prochaine fois\u00a0?"},
                    {"kind": LONG, "text": "Autre chose à nous dire\u00a0?"},
                ],
            )
        ],
    },
    "initiative": {
        "title": "Votre avis sur l'initiative",
        "family": "",
        "intro": "Vous avez participé à une initiative des relais. Dites-nous ce que vous en avez pensé.",
        "sections": [
            (
                "L'initiative",
                [
                    {
                        "kind": SCALE,
                        "scale": "1-5",
                        "text": "Êtes-vous satisfait·e de cette initiative\u00a0?",
                        "label_min": "Pas du tout",
                        "label_max": "Tout à fait",
                        "required": True,
                    },
                    {
                        "kind": SINGLE,
                        "text": "Comment en avez-vous entendu parler\u00a0?",
                        "options": ["Une affiche", "Un relais", "Un voisin", "Autrement"],
                    },
                    {"kind": NUMBER, "text": "Combien de voisins y avez-vous rencontrés pour la première fois\u00a0?"},
                    {
                        "kind": SINGLE,
                        "text": "Aimeriez-vous aider à organiser la prochaine\u00a0?",
                        "options": ["Oui", "Peut-être", "Non"],
                    },
                    {"kind": LONG, "text": "Ce qui vous a plu, ce qui pourrait être mieux\u00a0:"},
                ],
            )
        ],
    },
}
