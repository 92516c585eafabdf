"""How *skjermet* (suppressed) cells are worded, from the snapshot's small-number rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SuppressionRule:
    """The small-number thresholds the published values were suppressed with, as the snapshot
    states them (``snapshot.min_count``, ``snapshot.min_respondents``; the pipeline's settings).
    Every text about "skjermet" is worded from here, so it names the numbers actually applied.
    ``None`` (a snapshot from before they were published) gives wording without numbers."""

    min_count: int | None
    min_respondents: int | None

    def reason(self, code: str | None) -> str:
        """Why a cell is hidden, from its reason code: "færre enn 5", "færre enn 10 svar"."""
        if code == "liten_telling":
            return f"færre enn {self.min_count}" if self.min_count is not None else "for lite antall"
        if code == "faa_svar":
            return f"færre enn {self.min_respondents} svar" if self.min_respondents is not None else "for få svar"
        if code == "liten_rest":  # a share of (nearly) everybody: the few outside it would be revealed
            return (
                f"færre enn {self.min_count} utenfor andelen"
                if self.min_count is not None
                else "for få utenfor andelen"
            )
        if code == "komplementaer":
            return "for å beskytte en annen celle"
        return "av personvernhensyn"

    def cell(self, code: str | None) -> str:
        """A hidden cell as shown: "skjermet (færre enn 10 svar)"; never a number, never blank."""
        return f"skjermet ({self.reason(code)})"

    def description(self) -> str:
        """The whole rule in one sentence, with the published thresholds."""
        if self.min_count is None or self.min_respondents is None:
            return (
                "Små tall er skjermet før publisering, sammen med tall som ellers ville avsløre dem "
                "(komplementær skjerming)."
            )
        c, r = self.min_count, self.min_respondents
        return (
            f"Små tall er skjermet før publisering: antall under {c}; andeler med færre enn {r} svar "
            f"(nevner), og andeler der telleren eller nevneren minus telleren er under {c}; dessuten tall som "
            f"ellers kunne regnes ut av dem, for eksempel fra en sum (komplementær skjerming)."
        )
