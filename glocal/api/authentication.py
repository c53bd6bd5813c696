from knox.auth import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; keys are stored hashed and expire (REST_KNOX)."""
