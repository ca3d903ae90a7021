"""Single sign-on: OpenID Connect providers and SAML 2.0 identity providers (see docs/single-sign-on.md)."""
