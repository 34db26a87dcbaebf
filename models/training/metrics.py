"""Validation figures and threshold choice (numpy only)."""

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


def multiclass(probs: F32, y: I64, labels: tuple[str, ...]) -> dict[str, float]:
    """Accuracy, macro F1 over the classes present, and recall per class."""
    if not len(y):
        return {}
    pred = probs.argmax(axis=1)
    out = {"val_windows": float(len(y)), "val_accuracy": float((pred == y).mean())}
    f1s = []
    for i, name in enumerate(labels):
        truth, said = y == i, pred == i
        if not truth.any():
            continue
        tp = float((truth & said).sum())
        recall = tp / float(truth.sum())
        precision = tp / float(said.sum()) if said.any() else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if tp else 0.0)
        out[f"val_recall_{name}"] = recall
    out["val_macro_f1"] = float(np.mean(f1s)) if f1s else 0.0
    return out


def auc(scores: F32, y: I64) -> float:
    """Area under the ROC curve (rank statistic); NaN without both classes."""
    pos, neg = scores[y == 1], scores[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.r_[pos, neg], kind="mergesort")
    ranks = np.empty(len(order), dtype=np.float64)
    ranks[order] = np.arange(1, len(order) + 1)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def best_threshold(scores: F32, y: I64, default: float = 0.5) -> float:
    """The middle of the thresholds with the best F1 on validation: when the classes separate
    cleanly, the edge of the plateau would be fitted to a handful of windows."""
    if not (y == 1).any():
        return default
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    f1 = np.array(
        [
            2
            * float(((scores >= th) & (y == 1)).sum())
            / (float((scores >= th).sum()) + float((y == 1).sum()))
            for th in grid
        ]
    )
    best = grid[f1 >= f1.max() - 1e-9]
    return float(best[len(best) // 2])


def binary(scores: F32, y: I64, threshold: float) -> dict[str, float]:
    """Precision, recall, F1 and false-positive rate at a threshold, and the AUC."""
    if not len(y):
        return {}
    said = scores >= threshold
    tp = float((said & (y == 1)).sum())
    fp = float((said & (y == 0)).sum())
    pos, neg = float((y == 1).sum()), float((y == 0).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / pos if pos else 0.0
    out = {
        "val_windows": float(len(y)),
        "val_positives": pos,
        "val_precision": precision,
        "val_recall": recall,
        "val_f1": 2 * precision * recall / (precision + recall) if tp else 0.0,
        "val_fpr": fp / neg if neg else 0.0,
    }
    a = auc(scores, y)
    if not np.isnan(a):
        out["val_auc"] = a
    return out
