"""The report's knobs, in one frozen object with defaults that suit 1,000 to 60,000 clients."""

from dataclasses import dataclass

# What label 1 means, in words a marketing reader uses; a task missing here reads "the outcome".
OUTCOMES = {
    "purchase_90d": "a purchase in the next 90 days",
    "activity_decline": "a decline in activity",
}


@dataclass(frozen=True)
class ReportOptions:
    """How much the report shows and on how many rows it draws."""

    label: str = "label"  # the 0/1 column of the development frame
    outcome: str | None = None  # None: OUTCOMES[task], else "the outcome"
    targeted_share: float = 0.2  # the top share of test clients counted as "caught" in the error analysis
    distribution_features: int = 9
    correlation_features: int = 20
    correlation_rows: int = 5_000  # phik costs grow with rows x columns^2: a sample says the same
    plot_rows: int = 20_000  # rows drawn for the distributions
    error_features: int = 10
    shap_features: int = 15
    top_features: int = 20
    use_phik: bool = True

    def outcome_for(self, task: str) -> str:
        return self.outcome or OUTCOMES.get(task, "the outcome")
