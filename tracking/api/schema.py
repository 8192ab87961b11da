"""The API's OpenAPI 3 description, written by hand next to the views it
describes (and checked against them by schemathesis in the test suite)."""

from __future__ import annotations

from tracking import rules


def _number(description: str, maximum: int, nullable=True) -> dict:
    return {"type": "number", "minimum": 0, "maximum": maximum, "nullable": nullable, "description": description}


def _rank(description: str) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": 100, "nullable": True, "description": description}


SCORES = {
    "ssi": _number("SSI, 0–100. Left out or null: the sum of the four pillars.", 100),
    **{p: _number(f"{rules.LABELS[p]}, 0–25.", 25) for p in rules.PILLARS},
    "industry_rank": _rank("Top N% of your industry."),
    "network_rank": _rank("Top N% of your network."),
    "industry_avg": _number("Average SSI of people in your industry.", 100),
    "network_avg": _number("Average SSI of people in your network.", 100),
}
ACTIVITY = {
    "type": "object",
    "nullable": True,
    "additionalProperties": False,
    "properties": {
        name: {"type": "integer", "minimum": 0, "maximum": 2_147_483_647, "nullable": True, "description": label}
        for name, label in rules.ACTIVITY_COUNTS
    },
}
DATE = {"type": "string", "format": "date", "example": "2026-06-09"}
DAY_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "description": (
        "One whole day as LinkedIn's SSI page shows it. Give the SSI, the four pillars, or both "
        "(the SSI may differ from the pillar sum by at most 1 point). The stored day becomes exactly "
        "this body: a field left out (or null) is stored empty, and activity left out (or null) removes "
        "the day's activity."
    ),
    "properties": {
        **SCORES,
        "activity": ACTIVITY,
        "email": {
            "type": "string",
            "format": "email",
            "description": "Whose day this is. Only an admin's write-for-anyone key may name someone else.",
        },
    },
    "example": {"ssi": 44.75, "brand": 12.5, "people": 10, "insights": 8.25, "relationships": 14,
                "industry_rank": 5, "network_rank": 12, "activity": {"searches": 7}},
}
DAY_CHANGES = {
    **DAY_INPUT,
    "description": (
        "The fields of a recorded day to change; every field left out keeps its stored value. null "
        "clears a field (a cleared SSI is the sum of the pillars again). `activity` changes only the "
        "counts it names (null clears a count), and `\"activity\": null` removes the day's activity. "
        "The changed day must keep every rule, checked on the merged day: a pillar sent alone is added "
        "up with the stored pillars against the stored SSI, so a 400 names the rule it would break."
    ),
    "example": {"brand": 13, "activity": {"posts": 1}},
}
SNAPSHOT = {
    "type": "object",
    "required": ["date", *SCORES, "source", "activity"],
    "additionalProperties": False,
    "properties": {
        "date": DATE,
        **SCORES,
        "ssi": {"type": "number", "minimum": 0, "maximum": 100},
        "source": {"type": "string", "enum": ["manual", "api", "import"]},
        "activity": ACTIVITY,
    },
}
CAPTURE_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "description": (
        "What LinkedIn's SSI page gave the browser extension, unread: its JSON, or (only when no JSON "
        "could be had) its text. Give exactly one. Today in your time zone is recorded: its scores are "
        "replaced as a whole by what the page shows (a rank or average the page does not give is stored "
        "empty), and the day's logged activity, which the page does not show, is kept. JSON without the total and four pillars, or text without a total "
        "and four pillars that add up to it, records nothing (400, saying why)."
    ),
    "properties": {
        "linkedin_json": {
            "description": "The response of linkedin.com/sales-api/salesApiSsi, as an object or as its text.",
            "oneOf": [{"type": "object"}, {"type": "string"}],
        },
        "page_text": {"type": "string", "description": "The page's visible text."},
    },
    "example": {"linkedin_json": {
        "memberScore": {"overall": 19.705751, "subScores": [
            {"score": 13.118002, "pillar": "PROFESSIONAL_BRAND"}, {"score": 3.68, "pillar": "FIND_RIGHT_PEOPLE"},
            {"score": 0.29999998, "pillar": "INSIGHT_ENGAGEMENT"}, {"score": 2.6077502, "pillar": "STRONG_RELATIONSHIP"},
        ]},
        "groupScore": [{"groupType": "INDUSTRY", "rank": 75, "score": {"overall": 30.99}},
                       {"groupType": "NETWORK", "rank": 81, "score": {"overall": 32.72}}],
    }},
}
CAPTURED = {
    "type": "object",
    "required": ["date", *SCORES, "source", "message", "previous"],
    "additionalProperties": False,
    "properties": {
        "date": DATE,
        **SCORES,
        "ssi": {"type": "number", "minimum": 0, "maximum": 100},
        "source": {"type": "string", "enum": ["manual", "api", "import"]},
        "message": {"type": "string", "example": "Recorded 43 for 2 Dec, +1 since 25 Nov."},
        "previous": {
            "type": "object", "nullable": True, "required": ["date", "ssi"],
            "description": "Your latest recorded day before this one, which the message compares with.",
            "properties": {"date": DATE, "ssi": {"type": "number"}},
        },
    },
}
NULLABLE_NUMBER = {"type": "number", "nullable": True}
TREND_DAY = {
    "type": "object",
    "required": ["date", "ssi", "avg7", "avg30", "delta7", "delta30", "delta90"],
    "properties": {
        "date": DATE,
        "ssi": {"type": "number"},
        **{p: NULLABLE_NUMBER for p in rules.PILLARS},
        "industry_rank": {"type": "integer", "nullable": True},
        "network_rank": {"type": "integer", "nullable": True},
        "avg7": {"type": "number", "description": "Mean SSI of the observations in the 7 days to this one."},
        "avg30": {"type": "number", "description": "Mean SSI of the observations in the 30 days to this one."},
        **{
            f"delta{n}": {
                "type": "number", "nullable": True,
                "description": f"SSI minus the SSI about {n} days before (within 3 days); null when none.",
            }
            for n in (7, 30, 90)
        },
    },
}
LATEST = {
    "type": "object",
    "nullable": True,
    "description": "Your latest figures as the dashboard, the leaderboard and the emails show them; null before "
                   "your first recomputed day.",
    "required": ["as_of", "ssi", "delta7", "delta30", "delta90", "best", "best_on", "days_logged", "trend"],
    "properties": {
        "as_of": DATE,
        "ssi": {"type": "number"},
        **{p: NULLABLE_NUMBER for p in rules.PILLARS},
        **{f"delta{n}": NULLABLE_NUMBER for n in (7, 30, 90)},
        "best": {"type": "number"},
        "best_on": DATE,
        "days_logged": {"type": "integer"},
        "trend": {
            "type": "object",
            "description": "Points a week over the last 90 days (Theil–Sen, with the middle half of the estimates), "
                           "or why there is none yet.",
            "properties": {
                "per_week": NULLABLE_NUMBER, "low": NULLABLE_NUMBER, "high": NULLABLE_NUMBER,
                "shortfall": {"type": "string", "nullable": True},
            },
        },
    },
}
TEAM_DAY = {
    "type": "object",
    "required": ["date", "members", "reporting", "mean", "median", "p25", "p75", "min", "max"],
    "properties": {
        "date": DATE,
        "members": {"type": "integer", "minimum": 0},
        "reporting": {"type": "integer", "minimum": 0,
                      "description": "Members with a snapshot in the last 7 days."},
        **{name: NULLABLE_NUMBER for name in ("mean", "median", "p25", "p75", "min", "max")},
    },
}
ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                },
            },
        }
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"$ref": f"#/components/responses/{description}"}


COMMON = {"401": _error("Unauthorized"), "429": _error("TooManyRequests")}
# Every view but /capture refuses a browser extension's key.
FULL_ONLY = {**COMMON, "403": _error("Forbidden")}
RANGE = [
    {"name": "from", "in": "query", "required": False, "schema": DATE, "description": "First date (inclusive)."},
    {"name": "to", "in": "query", "required": False, "schema": DATE, "description": "Last date (inclusive)."},
]
WRITE_BODY = {"required": True, "content": {"application/json": {"schema": _ref("DayInput")}}}
WRITTEN = {
    "200": _json(_ref("Snapshot"), "The day was updated."),
    "201": _json(_ref("Snapshot"), "The day was recorded."),
    "400": _error("BadRequest"),
    "404": _error("NotFound"),
    **FULL_ONLY,
}


def openapi_schema(server_url: str = "/api/v1") -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "SSI Dashboard API",
            "version": "1",
            "description": (
                "Record and read LinkedIn Social Selling Index history. Authenticate with a personal key "
                "from Settings: `Authorization: Bearer ssi_…`. Each key may make a limited number of "
                "requests per minute (429 with Retry-After beyond it). Errors are JSON: "
                "`{\"errors\": [{\"field\": …, \"message\": …}]}`."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": {
            "/snapshots": {
                "get": {
                    "operationId": "listSnapshots",
                    "summary": "Your snapshots, oldest first",
                    "parameters": RANGE,
                    "responses": {
                        "200": _json({"type": "object", "required": ["snapshots"],
                                      "properties": {"snapshots": {"type": "array", "items": _ref("Snapshot")}}},
                                     "Your snapshots."),
                        "400": _error("BadRequest"),
                        **FULL_ONLY,
                    },
                },
                "post": {
                    "operationId": "recordToday",
                    "summary": "Create or replace a whole day (today in your time zone unless `date` is given)",
                    "description": (
                        "The same as PUT on that date: the stored day becomes exactly this body. A score "
                        "left out is stored empty and activity left out is removed; to change some fields "
                        "only, use PATCH /snapshots/{date}."
                    ),
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("DatedDayInput")}}},
                    "responses": WRITTEN,
                },
            },
            "/snapshots/{date}": {
                "parameters": [{"name": "date", "in": "path", "required": True, "schema": DATE}],
                "get": {
                    "operationId": "getSnapshot",
                    "summary": "One of your days",
                    "responses": {
                        "200": _json(_ref("Snapshot"), "The day."),
                        "400": _error("BadRequest"),
                        "404": _error("NotFound"),
                        **FULL_ONLY,
                    },
                },
                "put": {
                    "operationId": "recordDay",
                    "summary": "Create or replace one whole day",
                    "description": (
                        "The stored day becomes exactly this body: a score left out (or null) is stored "
                        "empty, and activity left out (or null) removes the day's activity."
                    ),
                    "requestBody": WRITE_BODY,
                    "responses": WRITTEN,
                },
                "patch": {
                    "operationId": "changeDay",
                    "summary": "Change some fields of a recorded day",
                    "description": (
                        "Only the fields sent change; the rest keep their stored values. The merged day "
                        "must keep every rule (400 naming the rule otherwise, nothing written). A day not "
                        "recorded yet is 404: create it with PUT."
                    ),
                    "requestBody": {"required": True,
                                    "content": {"application/json": {"schema": _ref("DayChanges")}}},
                    "responses": {
                        "200": _json(_ref("Snapshot"), "The day as changed."),
                        "400": _error("BadRequest"),
                        "404": _error("NotFound"),
                        **FULL_ONLY,
                    },
                },
            },
            "/capture": {
                "get": {
                    "operationId": "checkConnection",
                    "summary": "Check the browser extension's connection: whose key this is",
                    "responses": {
                        "200": _json({"type": "object", "required": ["connected", "email", "time_zone"],
                                      "properties": {"connected": {"type": "boolean"},
                                                     "email": {"type": "string"},
                                                     "time_zone": {"type": "string"}}},
                                     "The key works."),
                        **COMMON,
                    },
                },
                "post": {
                    "operationId": "captureSsiPage",
                    "summary": "Record today from LinkedIn's SSI page (the browser extension; any key)",
                    "description": (
                        "Replaces today's scores as a whole with what the page shows and keeps today's "
                        "logged activity, which LinkedIn's page does not show."
                    ),
                    "requestBody": {"required": True,
                                    "content": {"application/json": {"schema": _ref("CaptureInput")}}},
                    "responses": {
                        "200": _json(_ref("Captured"), "Today was already recorded: its scores are replaced."),
                        "201": _json(_ref("Captured"), "Today is recorded."),
                        "400": _error("BadRequest"),
                        **COMMON,
                    },
                },
            },
            "/trends": {
                "get": {
                    "operationId": "listTrends",
                    "summary": "Your derived trends: 7- and 30-day means and 7/30/90-day changes per observed day",
                    "parameters": RANGE,
                    "responses": {
                        "200": _json({"type": "object", "required": ["days", "latest"],
                                      "properties": {"days": {"type": "array", "items": _ref("TrendDay")},
                                                     "latest": LATEST}},
                                     "One row per day with a snapshot, and your latest figures."),
                        "400": _error("BadRequest"),
                        **FULL_ONLY,
                    },
                },
            },
            "/teams": {
                "get": {
                    "operationId": "listTeams",
                    "summary": "The teams you manage (every team, for an admin)",
                    "responses": {
                        "200": _json({"type": "object", "required": ["teams"], "properties": {"teams": {
                            "type": "array",
                            "items": {"type": "object", "required": ["slug", "name"], "properties": {
                                "slug": {"type": "string"}, "name": {"type": "string"}}},
                        }}}, "Teams."),
                        **FULL_ONLY,
                    },
                },
            },
            "/teams/{slug}/days": {
                "get": {
                    "operationId": "listTeamDays",
                    "summary": "A team's daily aggregate of one metric (managers of the team and admins)",
                    "parameters": [
                        {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "metric", "in": "query", "required": False, "schema": {
                            "type": "string", "enum": ["ssi", *rules.PILLARS], "default": "ssi"}},
                        *RANGE,
                    ],
                    "responses": {
                        "200": _json({"type": "object", "required": ["team", "metric", "days"], "properties": {
                            "team": {"type": "object", "required": ["slug", "name"], "properties": {
                                "slug": {"type": "string"}, "name": {"type": "string"}}},
                            "metric": {"type": "string"},
                            "days": {"type": "array", "items": _ref("TeamDay")},
                        }}, "One row per calendar day."),
                        "400": _error("BadRequest"),
                        "404": _error("NotFound"),
                        **FULL_ONLY,
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "ssi_…"}},
            "schemas": {
                "DayInput": DAY_INPUT,
                "DatedDayInput": {
                    **DAY_INPUT,
                    "properties": {"date": {**DATE, "description": "Default: today in your time zone."},
                                   **DAY_INPUT["properties"]},
                },
                "DayChanges": DAY_CHANGES,
                "Snapshot": SNAPSHOT,
                "TrendDay": TREND_DAY,
                "TeamDay": TEAM_DAY,
                "CaptureInput": CAPTURE_INPUT,
                "Captured": CAPTURED,
                "Errors": ERRORS,
            },
            "responses": {
                name: _json(_ref("Errors"), description)
                for name, description in (
                    ("BadRequest", "A value breaks a rule; each error names its field."),
                    ("Unauthorized", "No key, or a key that is unknown or revoked."),
                    ("NotFound", "Nothing here that this key may see."),
                    ("Forbidden", "A browser extension's key, which may only record through /capture."),
                    ("TooManyRequests", "Over this key's rate limit; see Retry-After."),
                )
            },
        },
    }
