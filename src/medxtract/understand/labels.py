"""Labels by meaning: how well a printed label matches a field's concept vocabulary.

A vocabulary entry is a bag of words. A label matches an entry when every word of the
entry is in the label (order-free, stemmed, tolerant of one OCR slip or an abbreviation)
and the label's other words are either filler ("of", "your", "please list") or say which
section the label belongs to. "Name of patient", "Pt. name" and "Patient full name" all
reach the entry "patient name"; "Insurance company name" does not reach "name" well,
because "company" is left unexplained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

# Words that carry no meaning in a label.
STOP = frozenset(
    [
        "a", "an", "the", "of", "for", "to", "in", "on", "at", "is", "are", "am", "be", "by",
        "with", "and", "or", "if", "any", "your", "you", "my", "our", "his", "her", "their", "its",
        "this", "that", "please", "enter", "state", "here", "below", "above", "list", "describe",
        "give", "write", "print", "provide", "indicate", "specify", "mark", "tick", "circle",
        "kindly", "all", "every", "each",
    ]
)
# Words that weaken a match a little when left unexplained (question forms, qualifiers).
SOFT = frozenset(
    [
        "do", "does", "did", "have", "has", "had", "ever", "been", "received", "taken",
        "no", "number", "details", "information", "info",
        "against", "form", "section", "part", "sheet", "dose", "dosage",
    ]
)
# Qualifiers a label puts before its head word ("Mailing address", "Standing height",
# "Approx. weight"): they narrow the meaning without changing it, so a label may also
# leave out an entry's qualifier ("Weight" says "body weight").
QUALIFIERS = frozenset(
    [
        "body", "chronic", "existing", "past", "previous", "significant", "usual", "present",
        "current", "currently", "known", "kg", "cm", "lb", "lbs", "ft", "mm",
        "kilograms", "kilogram", "kilos", "pounds", "centimetres", "centimeters", "inches",
        "metres", "meters", "feet",
        "home", "street", "mailing", "postal", "permanent", "primary", "main", "preferred",
        "alternate", "alternative", "secondary", "other", "residential", "legal", "full",
        "approx", "approximate", "estimated", "measured", "standing", "recent", "latest",
        "personal", "general", "additional", "daily", "regular", "ongoing", "active",
        "relevant", "complete", "completed", "series", "history", "record", "registered",
        "official", "actual", "exact", "total", "updated", "today",
        "individual", "type", "kind", "all", "each", "medical", "health", "contact", "rx",
        "permitted", "allowed", "authorised", "authorized", "remaining", "times", "best",
        "house", "diagnosed", "taking", "may", "immunity", "immune", "status",
    ]
)
# Filler words that still say whose or when: "Prescribed by" (a prescriber), "Prescribed for"
# (a patient) and "Prescribed on" (a date) are three labels. An entry's relation word is
# required in a label, and counts a little when a label has it and the entry does not.
RELATION = frozenset(["by", "for", "to", "on"])
_WORD = re.compile(r"~?[a-z0-9#]+")
_PARENS = re.compile(r"\([^)]*\)?")


def stem(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]  # "addresses", "boxes"; but "doses", "courses" keep their e
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


# Endings that make another form of one word: "vaccine", "vaccinated", "vaccination";
# "allergy" and "allergie(s)".
_FORMS = ("", "e", "ed", "d", "ing", "ion", "ation", "ated", "ate", "age", "ment", "y", "ie", "ic",
          "ance", "ence", "er")


def same_root(a: str, b: str) -> bool:
    """Two forms of one word: a shared root of five letters or more, and each rest an
    ending that forms words. "medical" and "medication" are not ("al" is no such ending)."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return any(a[k:] in _FORMS and b[k:] in _FORMS for k in range(n, 4, -1))


def label_tokens(text: str, alternatives: bool = True) -> tuple[str, ...]:
    """A label's words without its parenthesised examples or units ("Weight (kg)"); a
    parenthesised word of four letters or more is kept as a gloss ("~rubeola" in "Measles
    (rubeola)"): it may say the field, and costs nothing when it does not. A word after a
    slash is an alternative to the one before, a gloss too ("Drug / food allergies"), unless
    `alternatives` is off (a table's heads run together: "Strength/Form How to take")."""
    if alternatives:
        text = _SLASH_ALTERNATIVE.sub(r"\1 (\2)", text)
    return tokens(_PARENS.sub(_qualifier, text)) or tokens(text)


_SLASH_ALTERNATIVE = re.compile(r"(?<=[A-Za-z])(\s*)/\s*([A-Za-z]{2,})\b(?![^(]*\))")


# Parenthesised words that qualify a label rather than give its unit: "Tel (H)".
_QUALIFIERS = frozenset({"h", "w", "home", "work", "mobile", "cell", "office", "business",
                         "day", "daytime", "evening", "night"})  # fmt: skip


def _qualifier(m: re.Match[str]) -> str:
    inner = m.group().strip("() ").lower()
    if inner in _QUALIFIERS:
        return f" {inner} "
    return " " + " ".join(f"~{w}" for w in re.findall(r"[a-z]{4,}", inner)) + " "


# Abbreviations a label may use for a vocabulary word.
ABBREVIATIONS = {"no": "number", "nr": "number", "num": "number", "#": "number",
                 "w": "work", "h": "home", "ph": "phone", "co": "company",
                 "hx": "history", "dx": "diagnosis", "tx": "treatment"}  # fmt: skip
# Words that say the same thing in a label (general English and clinic usage).
SYNONYMS = [
    {"phone", "telephone", "tel"}, {"mobile", "cell", "cellphone"},
    {"doctor", "physician"}, {"medication", "medicine", "med"},
    {"illness", "disease", "condition", "problem"}, {"insurer", "carrier", "payer"},
    {"residence", "domicile"}, {"birth", "born"}, {"surname", "lastname"},
    {"forename", "firstname"}, {"expiry", "expiration"}, {"refill", "repeat"},
    {"directions", "instructions"}, {"quantity", "qty"}, {"kin", "relative"},
    {"business", "work", "office"}, {"vaccine", "vaccination", "immunization", "immunisation"},
    {"dose", "dosage", "dosing"}, {"until", "till", "thru", "through"},
]  # fmt: skip


def tokens(text: str) -> tuple[str, ...]:
    """Stemmed lowercase words; "D.O.B" and "Pt." keep their letters; "No." is "number"."""
    text = text.lower().replace("'s", "").replace("’s", "").replace("e-mail", "email")
    text = text.replace("&", " and ")
    # Dotted abbreviations ("d.o.b", "m.d") become one word.
    text = re.sub(r"\b(?:[a-z]\.){2,}(?:[a-z]\b)?", lambda m: m.group().replace(".", ""), text)
    return tuple(ABBREVIATIONS.get(w, stem(w)) for w in _WORD.findall(text))


STOP = frozenset(stem(w) for w in STOP)
QUALIFIERS = frozenset(stem(w) for w in QUALIFIERS)
SOFT = frozenset(stem(w) for w in SOFT) | QUALIFIERS
_SAME = {stem(w): frozenset(stem(v) for v in group) for group in SYNONYMS for w in group}
_VOWELS = frozenset("aeiou")
_LINKS = frozenset(["of", "the", "and", "a", "an", "for", "to"])  # left out of initials


def _abbreviates(short: str, word: str) -> bool:
    """A consonant skeleton of the word: "wgt" and "wt" for weight, "pt" for patient,
    "qty" for quantity. Two letters must end the word as it ends ("dr", not "dt" for date)."""
    if not 2 <= len(short) <= 4 or len(word) <= len(short) or short[0] != word[0]:
        return False
    if any(c in _VOWELS or not c.isalpha() for c in short[1:]):
        return False
    if len(short) == 2 and short[-1] != word[-1]:
        return False
    rest = iter(word[1:])
    return all(c in rest for c in short[1:])


@lru_cache(maxsize=262144)  # the same pairs recur across labels, types and documents
def word_match(label_word: str, vocab_word: str) -> float:
    """1.0 equal; 0.9 one OCR slip or another form of the word (0.87 two slips, in a long
    word); 0.9 a synonym ("telephone" for phone); 0.85 an abbreviation ("addr" or "wgt");
    else 0. A label's gloss ("~rubeola") is matched as its word."""
    label_word = label_word.lstrip("~")
    if label_word == vocab_word:
        return 1.0
    if vocab_word in _SAME.get(label_word, ()):
        return 0.9
    n = max(len(label_word), len(vocab_word))
    if min(len(label_word), len(vocab_word)) >= 4:
        d = OSA.distance(label_word, vocab_word)  # a swap of two letters is one slip
        if d <= (1 if n < 9 else 2) and (n >= 5 or len(label_word) == len(vocab_word)):
            return 0.9 if d <= 1 else 0.87  # one slip reads closer than two
    if same_root(label_word, vocab_word):
        return 0.9  # another form of the word: "vaccinated" for "vaccine"
    if len(label_word) >= 3 and len(vocab_word) >= 6 and vocab_word.startswith(label_word):
        return 0.85
    if _abbreviates(label_word, vocab_word):
        return 0.85
    return 0.0


@dataclass(frozen=True)
class Match:
    score: float
    # Label words no entry word explained (maybe section words).
    leftover: tuple[str, ...]
    said: tuple[str, ...] = ()  # the entry words the label said, when it left out a type word


@lru_cache(maxsize=65536)
def match_entry(label: tuple[str, ...], entry: tuple[str, ...], loose: bool = False,
                implied: frozenset[str] = frozenset()) -> Match:
    """How well a label (stemmed words) says a vocabulary entry (stemmed words). `loose`: the
    label may leave out the entry's qualifiers. `implied`: words naming the field's type the
    label may leave out too ("Born" for "birth date", "Home" for "home phone")."""
    if not label or not entry:
        return Match(0.0, label)
    used: set[int] = set()
    total = 0.0
    missing = 0  # qualifiers of the entry the label leaves out ("Weight" for "body weight")
    dropped = 0  # implied words it leaves out
    hit: list[str] = []
    for ew in entry:
        best, best_i = 0.0, -1
        for i, lw in enumerate(label):
            if i in used:
                continue
            s = word_match(lw, ew)
            if s > best:
                best, best_i = s, i
        if best == 0.0:
            if ew in STOP and ew not in RELATION:
                continue
            if loose and ew in QUALIFIERS:
                missing += 1
                continue
            if ew in implied:
                dropped += 1
                continue
            return Match(0.0, label)
        if best < 1.0 and len(entry) == 1 and len(label) == 1 and len(label[0]) <= 4:
            lw = label[0].lstrip("~")
            if not (_abbreviates(lw, ew) or ew in _SAME.get(lw, ()) or ew.startswith(lw)):
                return Match(0.0, label)  # "James" is not "Name": a short lone word is exact
        used.add(best_i)
        hit.append(ew)
        total += best
    if missing and not any(ew not in SOFT for ew in hit):
        return Match(0.0, label)  # a label of qualifiers alone says nothing
    if dropped and (missing or all(ew in implied for ew in hit)):
        return Match(0.0, label)  # nor one that leaves out its type word and more
    said = sum(1 for ew in entry if ew not in STOP or ew in RELATION) - missing - dropped
    cover = total / max(1, said) * 0.95**missing * 0.97**dropped
    leftover = tuple(
        w for i, w in enumerate(label) if i not in used and (w not in STOP or w in RELATION)
    )
    if any(label[i].startswith("~") for i in used):
        # The bracketed gloss said the field, so the words it glosses say it too.
        leftover = tuple(w if w.startswith("~") else f"~{w}" for w in leftover)
    return Match(min(1.0, cover), leftover, tuple(hit) if dropped else ())


def leftover_penalty(leftover: tuple[str, ...], explained: frozenset[str]) -> float:
    """Share of the label's meaning left unexplained, as a factor on the score."""
    weight = 0.0
    for w in leftover:
        if w in explained or w.startswith("~"):
            continue
        weight += 0.25 if (w in SOFT or w in RELATION or w.isdigit() or len(w) == 1) else 1.0
    return 1.0 / (1.0 + 0.45 * weight)


def _close(label_word: str, vocab_word: str) -> bool:
    """Cheap test first: a slip keeps the length within two, an abbreviation is a prefix and
    another form shares its first five letters."""
    label_word = label_word.lstrip("~")
    if (
        abs(len(label_word) - len(vocab_word)) > 2
        and not vocab_word.startswith(label_word)
        and label_word[:5] != vocab_word[:5]
        and not (len(label_word) <= 4 and label_word[:1] == vocab_word[:1])
        and vocab_word not in _SAME.get(label_word, ())
    ):
        return False
    return word_match(label_word, vocab_word) > 0.0


def _joins(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The words with one neighbouring pair run together ("birth date" -> "birthdate")."""
    return [
        words[:i] + (stem(words[i] + words[i + 1]),) + words[i + 2 :] for i in range(len(words) - 1)
    ]


class Vocabulary:
    """Entries of one concept, pre-tokenised."""

    def __init__(
        self, entries: list[str], loose: bool = False, implied: frozenset[str] = frozenset()
    ) -> None:
        """`loose`: a label may leave out an entry's qualifiers (a field's own labels; not
        a part's, where "street" in "street address" is the whole point). `implied`: words
        naming the field's type, which a label may leave out ("Expires" for "expiry date")."""
        self.loose = loose
        self.implied = frozenset(stem(w) for w in implied)
        self.entries = tuple(t for t in (tokens(e) for e in entries) if t)
        # A compound is its words run together: "chicken pox" is also "chickenpox", but only
        # when a label prints the compound itself (no slips, no short forms of it).
        self._compounds: dict[str, list[tuple[str, ...]]] = {}
        for e in self.entries:
            for i, j in enumerate(_joins(e)):
                self._compounds.setdefault(j[i], []).append(j)
        # An entry's initials, printed as one word: "DOB", "PMH", "NOK", "ICE".
        self._initials = {
            i
            for e in self.entries
            if len(e) >= 2
            for i in ("".join(w[0] for w in e), "".join(w[0] for w in e if w not in _LINKS))
            if 3 <= len(i) <= 5
        }
        # Each entry's meaning words: an entry is only tried on a label that has them all.
        meant = [frozenset(w for w in e if w not in STOP or w in RELATION) for e in self.entries]
        self.words = frozenset().union(*meant)
        # Qualifiers ("body" in "body weight") a label may leave out are not needed.
        self._keys = tuple(
            (m - QUALIFIERS - self.implied) or (m - self.implied) or m if loose
            else (m - self.implied) or m
            for m in meant
        )
        self._memo: dict[tuple[tuple[str, ...], frozenset[str]], float] = {}
        self._by_word: dict[str, frozenset[str]] = {}
        # Words some vocabulary has as they are: such a word is never a slip for another
        # ("Weight" is no misread "Height", "Insurer" no misread "Insured").
        self.known: frozenset[str] = frozenset()
        self.bare: frozenset[str] = frozenset()

    def know(self, words: frozenset[str], bare: frozenset[str] = frozenset()) -> None:
        """`words`: every vocabulary's words (see `known`). `bare`: words that name a part
        of a form ("rx", "policy", "member"): a label of them alone, its type word left
        out, says no field."""
        self.known = words
        self.bare = bare
        self._by_word.clear()
        self._memo.clear()

    def _said_by(self, word: str) -> frozenset[str]:
        """The vocabulary words this label word can stand for (itself, a slip, a short form)."""
        if word not in self._by_word:
            if len(self._by_word) > 50_000:
                self._by_word.clear()
            w = word.lstrip("~")  # a gloss stands for its word
            self._by_word[word] = frozenset(
                v
                for v in self.words
                if v == w
                or (
                    _close(w, v)
                    and (w not in self.known or same_root(w, v) or v in _SAME.get(w, ())
                         or word_match(w, v) < 0.87)
                )
            )
        return self._by_word[word]

    def score(self, label: tuple[str, ...], explained: frozenset[str] = frozenset()) -> float:
        key = (label, explained)
        if key not in self._memo:
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = self._score(label, explained)
        return self._memo[key]

    def _score(self, label: tuple[str, ...], explained: frozenset[str]) -> float:
        best = 0.0
        for joined in _joins(label):
            if set(joined) - set(label) <= self.words:
                best = max(best, self._score_one(joined, explained))
        return max(best, self._score_one(label, explained))

    def _score_one(self, label: tuple[str, ...], explained: frozenset[str]) -> float:
        best = 0.0
        for entry in (j for w in label for j in self._compounds.get(w.lstrip("~"), ())):
            m = match_entry(label, entry)
            best = max(best, m.score * leftover_penalty(m.leftover, explained))
        for w in label:
            if w.lstrip("~") in self._initials:
                m = match_entry(label, (w,))  # the initials stand for the whole entry
                best = max(best, 0.9 * leftover_penalty(m.leftover, explained))
        said = frozenset().union(*(self._said_by(w) for w in label))
        for entry, keys in zip(self.entries, self._keys, strict=True):
            if not keys <= said:
                continue
            m = match_entry(label, entry, self.loose, self.implied)
            if m.score <= 0.0 or m.said and set(m.said) <= explained | self.bare:
                continue  # "Surgery", "Rx" leave "surgery tel", "rx date" with no meaning
            # Longer entries say more: "work phone" beats "phone" on "Work phone".
            s = m.score * leftover_penalty(m.leftover, explained)
            best = max(best, s)
        return best
