"""Reads of the campaign: registrations, events with their uplift, agents with their
commission, summed for an area over a period."""

from campaign.selectors.agents import AgentRow, Rate, agent_results, commission_round, rates_in
from campaign.selectors.area import BranchRow, CampaignFigures, ChildRow, campaign_for_area
from campaign.selectors.events import UPLIFT_DAYS, EventRow, events_in, uplift_of
from campaign.selectors.registrations import CHANNELS, Tally, registration_figures

__all__ = [
    "CHANNELS",
    "UPLIFT_DAYS",
    "AgentRow",
    "BranchRow",
    "CampaignFigures",
    "ChildRow",
    "EventRow",
    "Rate",
    "Tally",
    "agent_results",
    "campaign_for_area",
    "commission_round",
    "events_in",
    "rates_in",
    "registration_figures",
    "uplift_of",
]
