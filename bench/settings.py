"""Benchmark settings: the test settings (production mode, MD5 hashing), throttles out of reach.

The throttle classes stay installed, so every request still pays for its quota check; the
rates are only raised so that repeating a request hundreds of times is never answered 429.
"""

from tests.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        scope: "1000000/min"
        for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]  # noqa: F405
    },
}
