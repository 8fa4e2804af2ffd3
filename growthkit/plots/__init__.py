"""Charts for the reports: seaborn/matplotlib, each taking ``ax=None`` and returning the Axes."""
