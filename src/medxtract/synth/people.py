"""Random people, addresses and phone numbers for synthetic forms.

Everything takes an explicit `random.Random` so a seed fully determines a document.
"""

from __future__ import annotations

import random


def _split(text: str, sep: str | None = None) -> list[str]:
    # Long word lists read better as one string than as hundreds of quoted items.
    return text.split(sep)


FIRST = _split(
    "Kathy Jerry Maria Virat Simeone Joe Aisha Carlos Mei Olga Priya Tomas Grace Ahmed "
    "Lucia Daniel Fatima Noah Ingrid Kwame Elena Raj Sofia Liam Hana Mateo Chloe Omar "
    "Yuki Peter Zara Ivan Amara Lucas Nadia Ethan Leila Marcus Rosa Samuel Anika Victor "
    "Beatriz Hugo Imani Felix Martha Dmitri Keisha Arjun Helen Bruno Sara Tariq Wendy"
)
LAST = _split(
    "Crawford Lucas Sharapova Kohli Smith Johnson Garcia Nguyen Okafor Petrov Patel Novak "
    "Kim Hassan Rossi Müller Brown Tanaka Silva Williams Andersen Mensah Ivanova Sharma Lopez "
    "O'Neill Fischer Cohen Martinez Dubois Kowalski Jensen Reyes Hughes Bianchi Ortiz Walker "
    "Park Schmidt Mbeki Lindqvist Moreau Hoffman Castillo Baker Yamamoto Adeyemi Foster"
)
# Latin-1 only: reportlab's standard fonts cannot draw other characters.
LAST = [n for n in LAST if n.isascii() or all(ord(c) < 256 for c in n)]

STREETS = _split(
    "Ash Dr|Wheeler Ridge Dr|Bollinger Rd|Oak St|Maple Ave|Cedar Ln|Elm St|Pine Ct|"
    "Lakeview Blvd|Sunset Blvd|Hillcrest Rd|Park Ave|Main St|Washington St|River Rd|"
    "Mill Creek Way|Chestnut St|Highland Ave|Forest Hills Dr|Meadow Ln|Church St|"
    "Broadway|Lincoln Ave|Spring Garden St|Harbor View Ter|Willow Way|Birch Pl",
    "|",
)

# (city, state name, state abbreviation, zip prefix) so zips look plausible for the city.
CITIES = [
    ("New York City", "New York", "NY", "100"),
    ("Buffalo", "New York", "NY", "142"),
    ("Jersey City", "New Jersey", "NJ", "073"),
    ("Newark", "New Jersey", "NJ", "071"),
    ("Austin", "Texas", "TX", "787"),
    ("Houston", "Texas", "TX", "770"),
    ("Chicago", "Illinois", "IL", "606"),
    ("Springfield", "Illinois", "IL", "627"),
    ("Boston", "Massachusetts", "MA", "021"),
    ("Seattle", "Washington", "WA", "981"),
    ("Portland", "Oregon", "OR", "972"),
    ("Denver", "Colorado", "CO", "802"),
    ("Phoenix", "Arizona", "AZ", "850"),
    ("Miami", "Florida", "FL", "331"),
    ("Atlanta", "Georgia", "GA", "303"),
    ("San Diego", "California", "CA", "921"),
    ("Sacramento", "California", "CA", "958"),
    ("Columbus", "Ohio", "OH", "432"),
    ("Nashville", "Tennessee", "TN", "372"),
    ("Madison", "Wisconsin", "WI", "537"),
]

COMPANIES = _split(
    "Random Insurance Company|BlueRiver Health Insurance|Keystone Mutual Health|"
    "Evergreen Medical Assurance|Summit Care Insurance|Harborline Health Plans|"
    "Northstar Health Insurance Co|Liberty Shield Medical|Pioneer Health Group|"
    "Granite State Health Partners|United Meadow Insurance",
    "|",
)


def person_name(rng: random.Random, last: str | None = None) -> str:
    return f"{rng.choice(FIRST)} {last or rng.choice(LAST)}"


def street_line(rng: random.Random) -> str:
    digits = rng.choice((1, 2, 3, 4, 4, 4, 5))
    number = rng.randint(10 ** (digits - 1), 10**digits - 1)
    return f"{number} {rng.choice(STREETS)}"


def address_lines(rng: random.Random, *, country_p: float = 0.5) -> list[str]:
    """2-3 printed lines of a US postal address ("9264 Ash Dr" / "Austin, Texas, 78701" / ...)."""
    city, state, abbr, zip3 = rng.choice(CITIES)
    zipcode = f"{zip3}{rng.randint(0, 99):02d}"
    second = rng.choice(
        (f"{city}, {state}, {zipcode}", f"{city}, {zipcode}", f"{city}, {abbr} {zipcode}")
    )
    lines = [street_line(rng), second]
    if rng.random() < country_p:
        lines.append("United States")
    return lines


def one_line_address(rng: random.Random) -> str:
    """A patient address as written on one line of a prescription."""
    city, _state, abbr, zip3 = rng.choice(CITIES)
    tail = rng.choice((f"{city}, {abbr}", f"{city}, {abbr} {zip3}{rng.randint(0, 99):02d}", city))
    return f"{street_line(rng)}, {tail}"


def phone(rng: random.Random, fmt: str | None = None) -> str:
    """A US phone number in one of the printed styles; the truth keeps it as printed."""
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    fmt = fmt or rng.choice(PHONE_FORMATS)
    return fmt.format(a=a, b=b, c=f"{c:04d}")


PHONE_FORMATS = ("({a}) {b}-{c}", "{a}-{b}-{c}", "({a})-{b}-{c}", "{a}.{b}.{c}")


def prescriber(rng: random.Random) -> str:
    name = person_name(rng)
    return rng.choice(
        (f"Dr {name}, M.D", f"Dr. {name}, MD", f"{name}, M.D.", f"Dr {name}", f"Dr. {name}, D.O.")
    )


def company(rng: random.Random) -> str:
    return rng.choice(COMPANIES)
