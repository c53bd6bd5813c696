"""Personalisation tokens: allowlisted substitution, defaults, escaping, bounds, hostile texts."""

from __future__ import annotations

import ast
import inspect

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import Account, Contact
from content import tokens
from content.tokens import (
    MAX_INPUT,
    MAX_OUTPUT,
    TOKENS,
    TokenError,
    preview,
    render,
    token_context,
    tokens_used,
    unknown_tokens,
    validate,
)

CONTEXT = {
    "account.name": "Acme Lyon",
    "contact.first_name": "Jane",
    "contact.last_name": "",
    "unit.name": "France",
}


@pytest.fixture
def people(tenants):
    unit = tenants.unit("fr")
    account = Account.objects.create(
        owner_unit=unit,
        name="Acme Lyon",
        legal_name="Acme Lyon SAS",
        domain="acme.fr",
        country="FR",
        industry="energy",
    )
    contact = Contact.objects.create(
        account=account, first_name="Élodie", last_name="Durand", job_title="CMO"
    )
    # Fresh instances, as a resolver would load them: nothing related is cached.
    return (
        Account.objects.get(pk=account.pk),
        Contact.objects.get(pk=contact.pk),
        type(unit).objects.get(pk=unit.pk),
    )


# --- substitution and defaults -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{{ contact.first_name }}",
        "{{contact.first_name}}",
        "{{   contact.first_name\t}}",
        "{{\ncontact.first_name\n}}",
        '{{ contact.first_name | default:"there" }}',
        "{{contact.first_name|default:'there'}}",
        '{{ contact.first_name |default : "there" }}',
    ],
)
def test_it_substitutes_a_token_whatever_the_spacing(text):
    assert render(f"Hello {text}!", CONTEXT) == "Hello Jane!"


def test_it_substitutes_every_token_of_a_text():
    text = "{{ contact.first_name }} at {{ account.name }}, from {{ unit.name }} ({{ unit.name }})"
    assert render(text, CONTEXT) == "Jane at Acme Lyon, from France (France)"


def test_it_uses_the_default_for_a_missing_or_empty_value():
    assert render('Dear {{ contact.job_title | default:"colleague" }}', CONTEXT) == (
        "Dear colleague"
    )
    assert render("Dear {{ contact.last_name|default:'friend' }}", CONTEXT) == "Dear friend"
    assert render('{{ contact.first_name | default:"" }}', {}) == ""


def test_it_renders_a_missing_value_without_default_as_empty():
    assert render("Hi {{ contact.job_title }}.", CONTEXT) == "Hi ."


def test_it_leaves_text_without_tokens_untouched():
    text = "Price: {100} & <b>bold</b> {single} }} closing braces are plain text"
    assert render(text, CONTEXT) == text
    assert render(text, CONTEXT, html=True) == text


def test_defaults_keep_the_other_quote_and_pipes():
    assert render("""{{ contact.job_title | default:"l'équipe | achats" }}""", {}) == (
        "l'équipe | achats"
    )
    assert render("""{{ contact.job_title | default:'say "hi"' }}""", {}) == 'say "hi"'


# --- HTML escaping ---------------------------------------------------------------------


def test_html_mode_escapes_values_and_defaults_but_not_the_authored_markup():
    context = {"account.name": 'Smith & <script>alert("x")</script>', "contact.first_name": ""}
    text = '<p>{{ account.name }}</p><p>{{ contact.first_name | default:"<i>you</i>" }}</p>'
    assert render(text, context, html=True) == (
        "<p>Smith &amp; &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>"
        "<p>&lt;i&gt;you&lt;/i&gt;</p>"
    )


def test_html_mode_escapes_quotes_so_a_value_cannot_leave_an_attribute():
    context = {"account.name": "x\" onmouseover='steal()"}
    assert render('<a title="{{ account.name }}">', context, html=True) == (
        '<a title="x&quot; onmouseover=&#x27;steal()">'
    )


def test_text_mode_inserts_values_verbatim():
    assert render("{{ account.name }}", {"account.name": "<b>&</b>"}) == "<b>&</b>"


# --- hostile texts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "settings.SECRET_KEY",
        "contact.__class__.__mro__",
        "contact.__class__.__init__.__globals__",
        "account.delete",
        "account.objects",
        "contact._meta",
        "contact.account.owner_unit.name",
        "contact.email",
        "contact",
        "request.user.password",
        "Contact.First_Name",
        "contact.prénom",
    ],
)
def test_tokens_outside_the_allowlist_render_empty_and_are_reported(token, people):
    account, contact, unit = people
    context = token_context(account=account, contact=contact, unit=unit)
    text = f"[{{{{ {token} }}}}]"
    assert render(text, context) == "[]"
    assert render(text, context, html=True) == "[]"
    assert unknown_tokens(text) == [token]
    with pytest.raises(ValidationError) as exc:
        validate(text)
    assert token in exc.value.messages[0]


def test_a_secret_never_reaches_the_output(people):
    account, contact, unit = people
    hostile = (
        "{{ settings.SECRET_KEY }}{{ settings.SECRET_KEY|default:'x' }}{% debug %}"
        "{{ contact.__dict__ }}{{ contact.account.__dict__ }}{% settings %}"
    )
    output = preview(hostile, account, contact, unit)
    assert settings.SECRET_KEY not in output
    assert "Acme" not in output and "Durand" not in output
    assert output == "{% debug %}{% settings %}"


def test_context_keys_outside_the_allowlist_are_never_looked_up():
    context = {"settings.SECRET_KEY": "leaked", "secret": "leaked", "contact.first_name": "Jane"}
    assert render("{{ settings.SECRET_KEY }}{{ secret }}{{ contact.first_name }}", context) == (
        "Jane"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "contact.first_name|safe",
        "contact.first_name | safe",
        'contact.first_name|default:"x"|safe',
        "contact.first_name|upper",
        "contact.first_name|default:there",
        "contact.first_name.upper()",
        "account.delete()",
        "contact.tags[0]",
        "contact['first_name']",
        "contact.first_name or 'x'",
        "contact.first_name + account.name",
        "''.__class__",
        "",
        " ",
    ],
)
def test_anything_but_a_name_and_a_default_renders_empty_and_is_reported(expression):
    context = {"contact.first_name": "<b>Jane</b>", "account.name": "Acme"}
    text = f"a{{{{{expression}}}}}b"
    assert render(text, context) == "ab"
    assert render(text, context, html=True) == "ab"
    assert unknown_tokens(text) == [expression.strip()]
    with pytest.raises(ValidationError) as exc:
        validate(text)
    assert exc.value.error_list[0].code == "invalid_token"


def test_safe_does_not_switch_escaping_off():
    context = {"contact.first_name": "<script>x</script>"}
    assert "<script>" not in render("{{ contact.first_name|safe }}", context, html=True)
    escaped = render("{{ contact.first_name }}", context, html=True)
    assert escaped == "&lt;script&gt;x&lt;/script&gt;"


@pytest.mark.parametrize(
    "text",
    [
        "{% load static %}{% static 'x' %}",
        "{% for i in '0123456789' %}{{ contact.first_name }}{% endfor %}",
        "{% include 'admin/base.html' %}",
        "{% with x=contact.__class__ %}{{ x }}{% endwith %}",
        "{# a comment #}",
        "{%- for x in range(10**9) %}{{ x }}{% endfor -%}",
    ],
)
def test_template_tags_are_inert_text_and_reported(text):
    output = render(text, CONTEXT)
    # Nothing is executed: the tags stay as written, only allowlisted tokens change.
    assert output.startswith(text[:2])
    assert output.count("Jane") == text.count("{{ contact.first_name }}")
    assert "%}" not in text or "%}" in output
    with pytest.raises(ValidationError) as exc:
        validate(text)
    assert "template_tag" in {error.code for error in exc.value.error_list}


def test_a_loop_tag_does_not_repeat_its_body():
    text = "{% for i in '0123456789' %}{{ contact.first_name }}{% endfor %}"
    assert render(text, CONTEXT) == "{% for i in '0123456789' %}Jane{% endfor %}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ {{ contact.first_name }} }}", "{{ Jane }}"),
        ("{{{ contact.first_name }}}", "{{{ contact.first_name }}}"),
        ("{{ contact.first_name }", "{{ contact.first_name }"),
        ("{{ contact.{first_name} }}", "{{ contact.{first_name} }}"),
        ('{{ x | default:"{{ contact.first_name }}" }}', '{{ x | default:"Jane" }}'),
        ("}}{{ contact.first_name }}{{", "}}Jane{{"),
    ],
)
def test_nested_or_unbalanced_braces_never_form_a_token_of_tokens(text, expected):
    assert render(text, CONTEXT) == expected
    with pytest.raises(ValidationError) as exc:
        validate(text)
    assert "unmatched_braces" in {error.code for error in exc.value.error_list}


def test_spaced_out_braces_are_plain_text():
    text = "{ { contact.first_name } }"
    assert render(text, CONTEXT) == text
    validate(text)


def test_a_value_containing_tokens_is_not_rendered_again():
    context = {
        "account.name": "{{ contact.first_name }}",
        "contact.first_name": "{% debug %}{{ settings.SECRET_KEY }}",
    }
    assert render("{{ account.name }}|{{ contact.first_name }}", context) == (
        "{{ contact.first_name }}|{% debug %}{{ settings.SECRET_KEY }}"
    )


def test_the_renderer_only_accepts_plain_strings_as_values(people):
    _account, contact, _unit = people
    with pytest.raises(TypeError):
        render("{{ contact.first_name }}", {"contact.first_name": contact})
    with pytest.raises(TypeError):
        render(None, {})


def test_the_module_does_not_use_a_template_engine():
    tree = ast.parse(inspect.getsource(tokens))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(
        name and ("template" in name or "jinja" in name or name in {"string"}) for name in imported
    ), imported


# --- bounds ----------------------------------------------------------------------------


def test_a_megabyte_of_opening_braces_is_refused_clearly():
    text = "{{" * (1024 * 1024 // 2)
    for check in (lambda: render(text, CONTEXT), lambda: unknown_tokens(text)):
        with pytest.raises(TokenError, match="too long"):
            check()
    with pytest.raises(TokenError):
        tokens_used(text)
    with pytest.raises(ValidationError) as exc:
        validate(text, field="body")
    assert exc.value.error_dict["body"][0].code == "too_long"


@pytest.mark.parametrize(
    "unit",
    [
        "{{",
        "{",
        "{{ ",
        "{{ " + "a" * 250,  # longer than any token, never closed
        "{{ " + "a." * 90,  # a name chain that never closes
        '{{ contact.first_name | default:"' + " " * 150,  # a default that never closes
        "{{ " + " " * 190 + "}",
        "{%",
        "{{}}",
    ],
)
def test_pathological_texts_up_to_the_input_bound_are_processed(unit):
    text = (unit * (MAX_INPUT // len(unit)))[:MAX_INPUT]
    # Completes (the scan examines each "{{" over a bounded window) and changes nothing
    # that is not a token.
    output = render(text, CONTEXT)
    assert len(output) <= len(text)
    assert unknown_tokens(text) is not None
    assert tokens_used(text) == []


def test_many_tokens_up_to_the_input_bound_are_processed():
    token = "{{ contact.first_name }}"
    text = token * (MAX_INPUT // len(token))
    output = render(text, CONTEXT, html=True)
    assert output == "Jane" * (MAX_INPUT // len(token))
    assert tokens_used(text) == ["contact.first_name"]


def test_an_output_beyond_the_bound_is_refused():
    token = "{{ account.name }}"
    text = token * (MAX_INPUT // len(token))
    context = {"account.name": "x" * 100}
    with pytest.raises(TokenError, match=str(MAX_OUTPUT)):
        render(text, context)
    # Escaping counts: "&" grows five-fold in HTML.
    small, ampersands = token * 25_000, {"account.name": "&" * 10}
    assert len(render(small, ampersands)) == 250_000
    with pytest.raises(TokenError):
        render(small, ampersands, html=True)


def test_an_output_just_under_the_bound_is_returned():
    text = "{{ account.name }}"
    assert render(text, {"account.name": "x" * MAX_OUTPUT}) == "x" * MAX_OUTPUT
    with pytest.raises(TokenError):
        render(text + ".", {"account.name": "x" * MAX_OUTPUT})


# --- unicode ---------------------------------------------------------------------------


def test_unicode_values_defaults_and_spacing():
    context = {"contact.first_name": "", "account.name": "株式会社サンプル", "unit.name": "Zürich"}
    text = (
        "こんにちは {{\u00a0account.name\u3000}} · "
        "{{ contact.first_name|default:'Chère cliente 🌍' }}"
    )
    assert render(text, context) == "こんにちは 株式会社サンプル · Chère cliente 🌍"
    assert render("{{ unit.name }}", context, html=True) == "Zürich"


def test_unicode_lookalikes_are_not_allowlisted_names():
    # A fullwidth full stop or a Cyrillic "a" must not read as an allowlisted token.
    for text in ("{{ contact\uff0efirst_name }}", "{{ \u0430ccount.name }}"):
        assert render(text, {"account.name": "x", "contact.first_name": "x"}) == ""
        assert unknown_tokens(text) == [text[2:-2].strip()]


# --- authoring helpers -----------------------------------------------------------------


def test_tokens_used_and_unknown_tokens_list_each_name_once_in_order():
    text = (
        "{{ unit.name }} {{ contact.nickname }} {{ account.name }} {{ unit.name }} "
        "{{ contact.nickname|default:'x' }} {{ contact.first_name|safe }} {% if %}"
    )
    assert tokens_used(text) == ["unit.name", "account.name"]
    assert unknown_tokens(text) == ["contact.nickname", "contact.first_name|safe"]


def test_validate_accepts_a_text_whose_tokens_are_all_allowlisted():
    validate('Hello {{ contact.first_name | default:"there" }}, {100} }} plain')
    validate("")


def test_validate_names_every_problem_under_the_field():
    text = (
        "{{ contact.nickname }} {{ contact.first_name|upper }} {% load static %} "
        "{{ contact.nickname }} {{ oops"
    )
    with pytest.raises(ValidationError) as exc:
        validate(text, field="body")
    errors = exc.value.error_dict["body"]
    assert [e.code for e in errors] == [
        "unknown_token",
        "invalid_token",
        "template_tag",
        "unmatched_braces",
    ]
    messages = exc.value.message_dict["body"]
    assert 'Unknown token "contact.nickname".' in messages
    assert any("contact.first_name|upper" in m for m in messages)
    assert any("{% load static %}" in m for m in messages)
    assert any("{{ oops" in m for m in messages)


def test_validate_caps_the_number_of_problems_reported():
    text = " ".join(f"{{{{ contact.x{i} }}}}" for i in range(100))
    with pytest.raises(ValidationError) as exc:
        validate(text)
    assert len(exc.value.error_list) == tokens.MAX_REPORTED + 1
    assert "80 more" in exc.value.messages[-1]


def test_every_allowlisted_token_renders_and_has_a_label():
    for name, token in TOKENS.items():
        assert token.name == name
        assert str(token.label)
        assert render(f"{{{{ {name} }}}}", {name: "v"}) == "v"
        assert tokens_used(f"{{{{{name}}}}}") == [name]


# --- context from real objects ---------------------------------------------------------


def test_token_context_reads_the_allowlisted_fields_of_real_objects(
    people, django_assert_num_queries
):
    account, contact, unit = people
    with django_assert_num_queries(0):
        context = token_context(account=account, contact=contact, unit=unit)
    assert context == {
        "account.name": "Acme Lyon",
        "account.legal_name": "Acme Lyon SAS",
        "account.domain": "acme.fr",
        "account.country": "FR",
        "account.industry": "energy",
        "contact.first_name": "Élodie",
        "contact.last_name": "Durand",
        "contact.full_name": "Élodie Durand",
        "contact.job_title": "CMO",
        "unit.name": "France",
        "unit.country": "FR",
    }
    assert all(type(value) is str for value in context.values())


def test_token_context_leaves_out_what_was_not_given(people):
    account, contact, _unit = people
    assert set(token_context(contact=contact)) == {
        "contact.first_name",
        "contact.last_name",
        "contact.full_name",
        "contact.job_title",
    }
    assert token_context() == {}
    context = token_context(account=account)
    assert render('{{ account.name }} / {{ contact.first_name|default:"there" }}', context) == (
        "Acme Lyon / there"
    )


def test_full_name_of_a_contact_with_one_name(people):
    account, _contact, _unit = people
    contact = Contact.objects.create(account=account, last_name="Sato")
    assert token_context(contact=contact)["contact.full_name"] == "Sato"


def test_preview_renders_for_a_chosen_contact(people, django_assert_num_queries):
    account, contact, unit = people
    text = (
        '<p>Bonjour {{ contact.first_name | default:"à vous" }},</p>'
        "<p>{{ unit.name }} with {{ account.legal_name }} ({{ account.domain }})</p>"
    )
    with django_assert_num_queries(0):
        output = preview(text, account, contact, unit, html=True)
    assert output == "<p>Bonjour Élodie,</p><p>France with Acme Lyon SAS (acme.fr)</p>"
    assert preview(text, account, None, unit).startswith("<p>Bonjour à vous,</p>")
