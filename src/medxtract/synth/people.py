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


# --- wider variety for the form families (names in both orders, UK/India addresses,
# international phone styles) ---------------------------------------------------------

UK_TOWNS = [
    ("Leeds", "LS6 2AB"),
    ("Manchester", "M14 5RT"),
    ("Bristol", "BS8 1TH"),
    ("Glasgow", "G12 8QQ"),
    ("Cardiff", "CF10 3AT"),
    ("Norwich", "NR2 4PD"),
    ("London", "SE1 7EH"),
    ("York", "YO10 5DD"),
    ("Brighton", "BN1 3XE"),
]
UK_STREETS = _split(
    "Acacia Avenue|Station Road|High Street|Victoria Road|Mill Lane|"
    "Kings Road|Church Lane|Park Crescent|Queens Walk",
    "|",
)
IN_CITIES = [
    ("Bengaluru", "Karnataka", "5600"),
    ("Mumbai", "Maharashtra", "4000"),
    ("Chennai", "Tamil Nadu", "6000"),
    ("Pune", "Maharashtra", "4110"),
    ("Hyderabad", "Telangana", "5000"),
    ("Kochi", "Kerala", "6820"),
]
IN_STREETS = _split(
    "MG Road|Residency Road|Anna Salai|Linking Road|Park Street|"
    "Nehru Nagar Main Road|Gandhi Bazaar|FC Road",
    "|",
)
FIRST_MORE = _split(
    "Anil Sunita Ravi Deepa Oliver Amelia George Isla Harry Ava Jack Emily "
    "Chidi Ngozi Siobhan Callum Ewan Rhys Megan Ananya Vikram Kavya Rohan"
)
LAST_MORE = _split(
    "Iyer Reddy Nair Menon Gupta Chatterjee Thompson Evans Davies Wright "
    "Robinson Campbell MacLeod Osei Chukwu Byrne Doyle Khan Ali Begum"
)


def name_parts(rng: random.Random, last: str | None = None) -> tuple[str, str]:
    first = rng.choice(FIRST + FIRST_MORE)
    return first, last or rng.choice(LAST + LAST_MORE)


def printed_name(rng: random.Random, first: str, last: str) -> tuple[str, str | list[str]]:
    """A name as a form prints it, with its truth ("Smith, John" accepts "John Smith")."""
    style = rng.choice(("fl", "fl", "fl", "lf", "LF", "FL"))
    if style == "fl":
        return f"{first} {last}", f"{first} {last}"
    if style == "FL":
        return f"{first} {last}".upper(), f"{first} {last}"
    text = f"{last}, {first}" if style == "lf" else f"{last.upper()}, {first}"
    return text, [f"{last}, {first}", f"{first} {last}"]


def uk_address_lines(rng: random.Random) -> list[str]:
    town, postcode = rng.choice(UK_TOWNS)
    lines = [f"{rng.randint(1, 240)} {rng.choice(UK_STREETS)}", town, postcode]
    if rng.random() < 0.3:
        lines.append("United Kingdom")
    return lines


def india_address_lines(rng: random.Random) -> list[str]:
    city, state, pin = rng.choice(IN_CITIES)
    first = rng.choice(
        (f"Flat {rng.randint(1, 12)}{rng.choice('ABCD')}", f"House No. {rng.randint(1, 999)}")
    )
    return [
        f"{first}, {rng.randint(1, 80)} {rng.choice(IN_STREETS)}",
        f"{city}, {state} {pin}{rng.randint(10, 99)}",
    ]


def any_address_lines(rng: random.Random) -> list[str]:
    """US (most), UK or Indian postal address lines."""
    r = rng.random()
    if r < 0.55:
        return address_lines(rng, country_p=0.15)
    return uk_address_lines(rng) if r < 0.8 else india_address_lines(rng)


INTL_PHONE_FORMATS = (
    "+1 ({a}) {b}-{c}",
    "+1 {a} {b} {c}",
    "020 7{b} {c}",
    "+44 20 7{b} {c}",
    "07{a} {b}{c3}",
    "+44 7{a} {b}{c3}",
    "+91 98{a2} {c}{c1}",
    "0161 {b} {c}",
)


def phone_any(rng: random.Random) -> str:
    """A phone number in a US style (most) or a UK/Indian/international one."""
    if rng.random() < 0.6:
        return phone(rng)
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice(INTL_PHONE_FORMATS).format(
        a=a,
        b=b,
        c=f"{c:04d}",
        c1=rng.randint(0, 9),
        c3=f"{rng.randint(0, 999):03d}",
        a2=f"{rng.randint(0, 999):03d}",
    )


def email(rng: random.Random, first: str, last: str) -> str:
    dom = rng.choice(("mail.com", "example.org", "inbox.net", "post.co.uk"))
    return f"{first.lower()}.{last.lower().replace(chr(39), '')}@{dom}"
