"""Cost: a monthly estimate per environment from the model and a dated price table.

``estimate(model, env)`` returns a :class:`CostEstimate` (line items, assumptions, the
prices' date); ``cost_line(model, env)`` is the one line ``shipspec preview`` prints.
"""

from .estimate import CostEstimate, LineItem, cost_line, estimate, money
from .prices import PriceTable, load_prices
from .usage import Usage, runs_per_month

__all__ = [
    "CostEstimate",
    "LineItem",
    "PriceTable",
    "Usage",
    "cost_line",
    "estimate",
    "load_prices",
    "money",
    "runs_per_month",
]
