"""Programme indicators: the funnel repérés -> mobilisés -> orientés vers le droit commun,
its breakdowns, delays and referral outcomes, published as aggregates only (small counts
suppressed, see :mod:`hub.indicators.suppression`)."""
