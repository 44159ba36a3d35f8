"""HubSpot's attribution vocabularies, each value with a description a marketer can read.

Source: "Send custom event occurrences" (developers.hubspot.com, 2026-03-30), section on
attribution: `hs_page_content_type` / `hs_asset_type` take an asset type (the page content
type overrides the asset type when both are sent); `hs_touchpoint_source` takes a source.
The descriptions are ours.
"""

from __future__ import annotations

from types import MappingProxyType

ASSET_TYPE_PROPERTY = "hs_asset_type"
PAGE_CONTENT_TYPE_PROPERTY = "hs_page_content_type"
TOUCHPOINT_SOURCE_PROPERTY = "hs_touchpoint_source"
ASSET_TITLE_PROPERTIES = ("hs_page_title", "hs_asset_title")

ASSET_TYPES: MappingProxyType[str, str] = MappingProxyType(
    {
        "STANDARD_PAGE": "A regular website page",
        "LANDING_PAGE": "A landing page built for a campaign or offer",
        "BLOG_POST": "A blog article",
        "KNOWLEDGE_ARTICLE": "A knowledge base article",
        "AD": "A paid advertisement",
        "CALL": "A phone or video call",
        "CONTACT_IMPORT": "A contact brought in through an import",
        "CONVERSATION": "A chat or conversations-inbox thread",
        "CUSTOM_BEHAVIORAL_EVENT_NAME": "Another custom behavioral event",
        "EMAIL": "A marketing email",
        "EXTERNAL_PAGE": "A page hosted outside HubSpot",
        "INTEGRATIONS": "Activity that came from an integration",
        "MARKETING_EVENT": "A marketing event such as a webinar or conference",
        "MEDIA_BRIDGE": "Media (video, audio) tracked through the media bridge",
        "MEETING": "A scheduled meeting",
        "SALES_EMAIL": "A one-to-one sales email",
        "SEQUENCE": "A sales sequence",
        "SOCIAL_POST": "A social media post",
        "OTHER": "Anything that fits none of the other types",
    }
)

TOUCHPOINT_SOURCES: MappingProxyType[str, str] = MappingProxyType(
    {
        "CONVERSATION": "A chat or conversations-inbox thread",
        "DIRECT_TRAFFIC": "A visit with no referrer (typed URL, bookmark)",
        "EMAIL_MARKETING": "A marketing email",
        "HUBSPOT_CRM": "Activity logged in the HubSpot CRM",
        "INTEGRATION": "An integration or connected app",
        "MARKETING_EVENT": "A marketing event such as a webinar",
        "OFFLINE": "An offline source (import, in-person, API)",
        "ORGANIC_SEARCH": "Unpaid search engine results",
        "OTHER_CAMPAIGNS": "Campaigns that fit no other source",
        "PAID_SEARCH": "Paid search ads",
        "PAID_SOCIAL": "Paid social media ads",
        "REFERRALS": "A link on another website",
        "SALES": "Sales activity (one-to-one email, call, meeting)",
        "SOCIAL_MEDIA": "Unpaid social media posts",
    }
)
