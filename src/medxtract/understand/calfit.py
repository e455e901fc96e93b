"""Fitting the confidence model, judged on families it did not see.

A field is flagged for review when it has no evidence, carries a review flag, or its
probability is under the threshold; a *silent error* is a wrong field not flagged. A model
fitted on some layouts is over-confident on others, so every figure here is leave-one-
family-out (LOFO): fit on all dev families but one, score the one left out.

The method (`Config`): a shared logistic model plus per-type ones shrunk toward it, signs
fixed where the evidence has a known direction (better OCR, label or type check never
lowers the chance; a rival, a failed check or nothing found never raises it), fitted on the
fields the threshold decides (those without a review flag), then made more cautious by a
logit margin chosen so that families left out *of the fit's own data* keep silent errors
under the target. The margin is what an unseen layout costs; it is chosen inside each
LOFO fold, so the reported figures never see the family they score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize

from medxtract.evaluate import Calibration
from medxtract.understand.calibrate import NOT_FOUND_CAP

THRESHOLD = 0.80  # the review threshold (config.review_threshold)

# Evidence whose direction is known: +1 never lowers P(right), -1 never raises it.
SIGNS = {"ocr_mean": 1, "ocr_min": 1, "label": 1, "plausibility": 1, "known_share": 1,
         "rival": -1, "flagged": -1, "not_found": -1, "page_ocr": 1, "page_low": -1}  # fmt: skip


@dataclass
class Table:
    """One row per field: evidence (zeros when none), whether any evidence, a review flag,
    right or not, and where it came from."""

    names: tuple[str, ...]
    x: np.ndarray
    has: np.ndarray
    hard: np.ndarray
    y: np.ndarray
    type: np.ndarray
    family: np.ndarray
    variant: np.ndarray
    key: np.ndarray  # "document_type.field"

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]], names: Sequence[str]) -> Table:
        rows = list(rows)

        def vec(r: dict[str, Any]) -> list[float]:
            feats = r.get("feats") or {}
            return [1.0 if n == "bias" else float(feats.get(n, 0.0)) for n in names]

        return cls(
            tuple(names),
            np.array([vec(r) for r in rows], dtype=float).reshape(len(rows), len(names)),
            np.array([bool(r.get("feats")) for r in rows], dtype=bool),
            np.array([bool(r["hard"]) for r in rows], dtype=bool),
            np.array([bool(r["ok"]) for r in rows], dtype=bool),
            np.array([r["type"] for r in rows], dtype=object),
            np.array([r["family"] for r in rows], dtype=object),
            np.array([r["variant"] for r in rows], dtype=object),
            np.array([_key(r) for r in rows], dtype=object),
        )

    def subset(self, mask: np.ndarray) -> Table:
        return Table(self.names, self.x[mask], self.has[mask], self.hard[mask], self.y[mask],
                     self.type[mask], self.family[mask], self.variant[mask], self.key[mask])


def _key(r: dict[str, Any]) -> str:
    doc_type = r.get("doc_type") or ("prescription" if r["family"].startswith("rx_")
                                     else "patient_details")
    return f"{doc_type}.{r['field']}"


@dataclass(frozen=True)
class Config:
    drop: tuple[str, ...] = ()  # features the model may not use
    l2: float = 10.0  # L2 on the shared model's weights, as that many rows' worth
    per_type: bool = True
    type_l2: float = 30.0  # pull of each type's model toward the shared one
    min_rows: int = 40  # fewer rows of a type: the shared model serves it
    monotone: bool = True
    open_only: bool = True  # fit on fields the threshold decides (no review flag)
    target: float | None = 0.008  # silent-error share the margin aims at (None: no margin)
    max_margin: float = 6.0
    bias_l2: bool = False  # the old method penalised the bias too
    field_l2: float | None = None  # per-field models shrunk toward their type's (None: none)
    wrong_weight: float = 1.0  # a wrong field counts this many times in the fit
    type_margins: bool = False  # a margin per field type (else one for all)


# The method before LOFO (scripts/calibrate.py until then): per-type, nothing constrained.
OLD = Config(l2=0.5, per_type=True, type_l2=0.0, min_rows=30, monotone=False,
             open_only=False, target=None, bias_l2=True)
# Where a value sat on the page (right of / below its label, how many lines) describes a
# layout, not a reading: it fits the families seen and misleads on others, so it is left out.
LAYOUT = ("right", "below", "above", "free", "lines", "composite")
NEW = Config(drop=LAYOUT, field_l2=30.0)

Model = dict[str, np.ndarray]


def lofo_splits(families: Sequence[str] | np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(family, train mask, test mask) for each family: never a family on both sides."""
    fam = np.asarray(families, dtype=object)
    return [(f, fam != f, fam == f) for f in sorted(set(fam.tolist()))]


def _fit_one(x: np.ndarray, y: np.ndarray, l2: float, prior: np.ndarray,
             bounds: list[tuple[float | None, float | None]], bias_l2: bool = False,
             wrong_weight: float = 1.0) -> np.ndarray:
    """Logistic regression, L2 toward `prior` (`l2` as if that many rows; the bias too when
    `bias_l2`), within `bounds`."""
    reg = np.full(x.shape[1], l2)
    reg[0] = l2 if bias_l2 else 0.0
    sw = np.where(y > 0.5, 1.0, wrong_weight)
    n = max(float(sw.sum()), 1.0)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = np.clip(x @ w, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        nll = np.sum(sw * (np.logaddexp(0, z) - y * z)) / n
        d = w - prior
        return nll + 0.5 * float(np.sum(reg * d * d)) / n, x.T @ (sw * (p - y)) / n + reg * d / n

    start = np.clip(prior, [b[0] if b[0] is not None else -np.inf for b in bounds],
                    [b[1] if b[1] is not None else np.inf for b in bounds])
    res = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return np.asarray(res.x)


def _bounds(names: Sequence[str], cfg: Config) -> list[tuple[float | None, float | None]]:
    out: list[tuple[float | None, float | None]] = []
    for n in names:
        s = SIGNS.get(n, 0) if cfg.monotone else 0
        if n in cfg.drop:
            out.append((0.0, 0.0))
        else:
            out.append((0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None))
    return out


def _train(t: Table, cfg: Config) -> Model:
    use = t.has & ~t.hard if cfg.open_only else t.has
    x, y, types = t.x[use], t.y[use].astype(float), t.type[use]
    bounds = _bounds(t.names, cfg)
    zero = np.zeros(len(t.names))
    model = {"*": _fit_one(x, y, cfg.l2, zero, bounds, cfg.bias_l2, cfg.wrong_weight)}
    if cfg.per_type:
        for ftype in sorted(set(types.tolist())):
            m = types == ftype
            if m.sum() >= cfg.min_rows and 0 < y[m].mean() < 1:
                if cfg.type_l2 > 0:
                    model[ftype] = _fit_one(x[m], y[m], cfg.type_l2, model["*"], bounds,
                                            wrong_weight=cfg.wrong_weight)
                else:
                    model[ftype] = _fit_one(x[m], y[m], cfg.l2, zero, bounds, cfg.bias_l2)
    if cfg.field_l2 is not None:
        keys = t.key[use]
        for key in sorted(set(keys.tolist())):
            m = keys == key
            prior = model.get(types[m][0], model["*"])
            model[key] = _fit_one(x[m], y[m], cfg.field_l2, prior, bounds,
                                      wrong_weight=cfg.wrong_weight)
    return model


def predict(model: Model, t: Table) -> np.ndarray:
    w = np.array([model.get(k, model.get(ft, model["*"])) for k, ft in zip(t.key, t.type,
                                                                            strict=True)])
    w = w.reshape(t.x.shape)
    z = np.clip(np.sum(t.x * w, axis=1), -30, 30)
    p = 1.0 / (1.0 + np.exp(-z))
    # The same cap as calibrate.probability: nothing found is never sure.
    nf = t.x[:, t.names.index("not_found")] > 0 if "not_found" in t.names else False
    return np.asarray(np.where(nf, np.minimum(p, NOT_FOUND_CAP), p))


def flagged(t: Table, p: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    return np.asarray(~t.has | t.hard | (p < threshold))


def rates(t: Table, p: np.ndarray, mask: np.ndarray | None = None) -> Calibration:
    """`medxtract eval`'s silent-error and flagged-right counts, over the rows in `mask`."""
    m = np.ones(len(t.y), dtype=bool) if mask is None else mask
    f = flagged(t, p)
    return Calibration(right=int((t.y & m).sum()), total=int(m.sum()),
                       silent=int((~t.y & ~f & m).sum()), flagged_right=int((t.y & f & m).sum()))


def _lofo_plain(t: Table, cfg: Config) -> np.ndarray:
    """Each row's probability from a model fitted without its family (no margin)."""
    p = np.zeros(len(t.y))
    for _, train, test in lofo_splits(t.family):
        p[test] = predict(_train(t.subset(train), cfg), t.subset(test))
    return p


def _logit(p: np.ndarray) -> np.ndarray:
    return np.asarray(np.log(np.clip(p, 1e-12, 1 - 1e-12) / np.clip(1 - p, 1e-12, None)))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def _cheapest(curve: list[tuple[int, int]], price: float) -> int:
    """The margin index with the least right-but-flagged plus priced silent errors."""
    return min(range(len(curve)), key=lambda i: (curve[i][1] + price * curve[i][0], i))


def choose_margins(t: Table, cfg: Config) -> dict[str, float]:
    """Logit margins ("*": all fields, else per field type) that keep LOFO silent errors on
    `t` within `cfg.target` while sending as few right fields to review as they can."""
    if cfg.target is None or len(set(t.family.tolist())) < 2:
        return {"*": 0.0}
    z = _logit(_lofo_plain(t, cfg))
    grid = np.arange(0.0, cfg.max_margin + 1e-9, 0.1)
    budget = cfg.target * len(t.y)
    if not cfg.type_margins:
        for g in grid:
            if rates(t, _sigmoid(z - g)).silent <= budget:
                return {"*": float(g)}
        return {"*": cfg.max_margin}
    # Per type: (silent, right-but-flagged) at each margin; then the cheapest mix within
    # the budget, by a price on silent errors raised until the budget holds.
    curves = {}
    for ftype in sorted(set(t.type.tolist())):
        m = t.type == ftype
        sub = t.subset(m)
        curves[ftype] = [(r.silent, r.flagged_right)
                         for r in (rates(sub, _sigmoid(z[m] - g)) for g in grid)]
    for price in np.geomspace(0.05, 5000, 120):
        pick = {ft: _cheapest(c, float(price)) for ft, c in curves.items()}
        if sum(curves[ft][i][0] for ft, i in pick.items()) <= budget:
            margins = {ft: float(grid[i]) for ft, i in pick.items()}
            return {"*": max(margins.values()), **margins}
    return {"*": cfg.max_margin}


@dataclass
class Fitted:
    model: Model
    margins: dict[str, float] = field(default_factory=lambda: {"*": 0.0})
    key_types: dict[str, str] = field(default_factory=dict)  # field key -> its type

    def folded(self) -> Model:
        """The model with each margin folded into its biases (a field's: its type's)."""
        out = {k: v.copy() for k, v in self.model.items()}
        for ftype in self.margins:
            out.setdefault(ftype, self.model["*"].copy())  # a type with its own margin
        for key, w in out.items():
            ftype = self.key_types.get(key, key)
            w[0] -= self.margins.get(ftype, self.margins["*"])
        return out

    def weights(self, names: Sequence[str]) -> dict[str, dict[str, float]]:
        return {k: {n: round(float(v), 4) for n, v in zip(names, w, strict=True)}
                for k, w in self.folded().items()}


def fit(t: Table, cfg: Config) -> Fitted:
    return Fitted(_train(t, cfg), choose_margins(t, cfg),
                  dict(zip(t.key.tolist(), t.type.tolist(), strict=True)))


def lofo(t: Table, cfg: Config) -> np.ndarray:
    """Each row's probability from the whole method (margins included) run without its
    family: the honest figure for a layout the fit never saw."""
    p = np.zeros(len(t.y))
    for _, train, test in lofo_splits(t.family):
        p[test] = predict(fit(t.subset(train), cfg).folded(), t.subset(test))
    return p


def table_text(t: Table, results: dict[str, np.ndarray]) -> str:
    """Silent-error and right-but-flagged rates per variant and overall, one column pair per
    method."""
    head = f"{'variant':12s} {'fields':>6s} {'right':>6s}" + "".join(
        f" | {name[:16]:>16s} silent flag-ok" for name in results)
    lines = [head]
    groups = [(v, t.variant == v) for v in sorted(set(t.variant.tolist()))]
    groups.append(("overall", np.ones(len(t.y), dtype=bool)))
    for name, m in groups:
        line = f"{name:12s} {int(m.sum()):6d} {t.y[m].mean():6.1%}"
        for p in results.values():
            r = rates(t, p, m)
            line += f" | {'':16s} {r.silent_rate:6.1%} {r.flagged_right_rate:6.1%}"
        lines.append(line)
    return "\n".join(lines)


def tradeoff(t: Table, p: np.ndarray, silent: Sequence[float] = (0.01, 0.02, 0.03, 0.05)
             ) -> list[tuple[float, float]]:
    """(silent-error share, right-but-flagged share) at the smallest logit shift of `p` that
    reaches each silent level: what each level costs in review work."""
    z = np.log(np.clip(p, 1e-12, 1 - 1e-12) / np.clip(1 - p, 1e-12, None))
    out = []
    for level in silent:
        for shift in np.arange(-3.0, 8.0, 0.05):
            r = rates(t, 1.0 / (1.0 + np.exp(-(z - shift))))
            if r.silent_rate <= level:
                out.append((r.silent_rate, r.flagged_right_rate))
                break
    return out


def lofo_report(t: Table, configs: dict[str, Config] | None = None) -> str:
    configs = configs or {"old method": OLD, "new method": NEW}
    text = table_text(t, {name: lofo(t, cfg) for name, cfg in configs.items()})
    # The cost curve: each method without a margin, shifted until left-out families reach a
    # silent level (the shift sees the scored family, so this is a bound, not a forecast).
    for name, cfg in configs.items():
        p = _lofo_plain(t, Config(**{**cfg.__dict__, "target": None}))
        text += f"\n{name} trade-off (LOFO, shifted): " + ", ".join(
            f"silent {s:.1%} -> flagged-right {f:.1%}" for s, f in tradeoff(t, p))
    return text


def fit_final(t: Table, cfg: Config = NEW) -> dict[str, Any]:
    """The weights to ship: the method fitted on every dev family."""
    f = fit(t, cfg)
    return {"method": dict(cfg.__dict__), "margins": {k: round(v, 2) for k, v in f.margins.items()},
            "weights": f.weights(t.names)}


