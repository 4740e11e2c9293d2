"""A User-Agent that always names the project and where to reach its operator.

settings.py builds USER_AGENT from NEWSCRAWL_CONTACT_URL when it is imported, so
``-s NEWSCRAWL_CONTACT_URL=...`` alone would not reach the header. Here the contact given
at a higher priority than USER_AGENT replaces the one in it; a USER_AGENT the user sets
as well is theirs and is sent as it is.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware


def user_agent_with_contact(settings) -> str:
    user_agent = settings["USER_AGENT"]
    contact = settings.get("NEWSCRAWL_CONTACT_URL")
    if not contact or contact in user_agent:
        return user_agent
    if settings.getpriority("NEWSCRAWL_CONTACT_URL") <= settings.getpriority("USER_AGENT"):
        return user_agent
    product = user_agent.split(" ", 1)[0]
    return f"{product} (+{contact})"


class ContactUserAgentMiddleware(UserAgentMiddleware):
    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        middleware.user_agent = user_agent_with_contact(crawler.settings)
        return middleware
