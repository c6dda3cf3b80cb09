"""Browser tests: the real `copilot serve` driven by Debian's headless Chromium through Playwright (DESIGN.md §5).

A customer sees the spending chart, grants a consent from the chat and freezes a card with the Confirm button; a
support agent takes a hand-off and sends an edited suggested reply, which the customer sees; a payment to a new
payee is confirmed with the code the demo phone shows, after a wrong code is refused. Screenshots land in
test-artifacts/browser/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.api.conftest import make_runtime
from tests.api.server import running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory, bank_template, kb_chroma):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium: run `make browser` "
                    "(apt-get install -y chromium); Playwright's own browser download does not work offline")
    folder = tmp_path_factory.mktemp("browser")
    runtime = make_runtime(folder, bank_template, kb_chroma)
    chroma = shutil.copytree(kb_chroma, folder / "chroma")
    with running_server(runtime.settings.data_dir, chroma, COPILOT_API_POLL_SECONDS="1") as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """Pages in fresh contexts (each tab its own session, 1360 px wide unless told), failing the test on any script
    error."""
    contexts, errors = [], []

    def make(url: str, width: int = 1360, height: int = 1000):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"script errors in the page: {errors}"


def ask(page, text: str, answers_before: int):
    """Type a message, press Enter and wait until that answer has finished streaming; returns its bubble."""
    page.locator("#send:enabled").wait_for()
    page.fill("#message", text)
    page.keyboard.press("Enter")
    answer = page.locator(".msg.assistant[aria-busy=false]").nth(answers_before)
    answer.wait_for()
    return answer


def shot(page, name: str, element=None) -> None:
    (element or page).screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_customer_sees_chart_grants_consent_and_freezes_a_card(server, open_page):
    from playwright.sync_api import expect

    page = open_page(f"{server.url}/chat#token={server.token('demo-debt')}")
    expect(page.locator("#who")).to_contain_text("Dana")
    assert "token=" not in page.url, "the token leaves the address bar at once"
    spending = ask(page, "How much did I spend last month?", 0)
    chart = spending.locator("figure.chart[data-kind=bar]")
    expect(chart.locator("svg[role=img]")).to_have_attribute("aria-label", re.compile(r"Spending, last month.*rent \$"))
    expect(chart.locator("svg rect.bar")).not_to_have_count(0)
    shot(page, "1-spending-chart", spending)

    consent = ask(page, "freeze my card ending 3424", 1)
    request = consent.get_by_role("group", name="Permission request")
    expect(consent).to_contain_text("freeze and unfreeze your cards")
    shot(page, "2-consent-request", consent)
    request.get_by_role("button", name="Allow").click()
    expect(request).to_contain_text("Allowed")

    proposal = page.locator(".msg.assistant[aria-busy=false]").nth(2)
    card = proposal.get_by_role("group", name="Action waiting for your confirmation")
    expect(card).to_contain_text("Freeze your Cashback Visa card ending 3424")
    shot(page, "3-confirmation", proposal)
    card.get_by_role("button", name="Confirm").click()
    expect(page.locator(".msg.system").last).to_contain_text("frozen")
    expect(page.locator("[data-card=demo-debt-card-visa] .badge")).to_have_text("frozen")
    shot(page, "4-card-frozen")

    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Privacy and consents").click()
    expect(page.locator("#grants")).to_contain_text("Freeze and unfreeze your cards")
    shot(page, "5-consent-centre")


def test_paying_a_new_payee_takes_the_code_from_the_demo_phone(server, open_page):
    from playwright.sync_api import expect

    page = open_page(f"{server.url}/chat#token={server.token('demo-traveler')}")
    expect(page.locator("#who")).to_contain_text("Mia")
    consent = ask(page, "send $80 to Sofia Rossi", 0)
    consent.get_by_role("group", name="Permission request").get_by_role("button", name="Allow").click()
    proposal = page.locator(".msg.assistant[aria-busy=false]").nth(1)
    card = proposal.get_by_role("group", name="Action waiting for your confirmation")
    expect(card).to_contain_text("Sofia Rossi")
    phone = card.locator("[data-phone]")
    expect(phone).to_contain_text(re.compile(r"your code is \d{6}"))
    shot(page, "6-step-up-code", proposal)
    code_box = card.get_by_label("One-time code from your phone")
    code_box.fill("000000")
    card.get_by_role("button", name="Confirm").click()
    expect(card.get_by_role("alert")).to_contain_text("code")
    expect(card.get_by_role("button", name="Confirm")).to_be_enabled()
    code = re.search(r"your code is (\d{6})", phone.inner_text()).group(1)
    code_box.fill(code)
    card.get_by_role("button", name="Confirm").click()
    expect(card.get_by_role("status")).to_contain_text("Confirmed")
    expect(page.locator(".msg.system").last).to_contain_text("Sofia Rossi")
    shot(page, "7-paid-new-payee")


def test_agent_takes_a_handoff_and_sends_an_edited_suggestion(server, open_page):
    from playwright.sync_api import expect

    customer = open_page(f"{server.url}/chat#token={server.token('demo-newjob')}")
    ask(customer, "how do I dispute a charge on my card?", 0)
    customer.get_by_role("button", name="Talk to a person").click()
    share = customer.get_by_role("group", name="Permission request").last
    expect(customer.locator(".msg.system").last).to_contain_text("would you like the support agent to see your account summary")
    share.get_by_role("button", name="Allow").click()
    expect(share).to_contain_text("Allowed.")

    agent = open_page(f"{server.url}/assist#token={server.token('alice')}")
    agent.get_by_role("button", name="Take Sam O.").click()
    expect(agent.locator("#summary")).to_contain_text("Starter Mastercard")
    expect(agent.locator("#reply")).not_to_have_value("")
    expect(agent.locator("#suggestion-facts")).to_contain_text("Compliance: allow")
    shot(agent, "6-assist-suggestion")
    edited = "Hi Sam, this is Alice from support. " + agent.input_value("#reply")
    agent.fill("#reply", edited)
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.locator("#status")).to_contain_text("Sent")
    expect(agent.locator("#log .msg.agent").last).to_contain_text("Hi Sam, this is Alice from support.")
    shot(agent, "7-assist-sent")

    expect(customer.locator(".msg.agent").last).to_contain_text("Hi Sam, this is Alice from support.")
    shot(customer, "8-customer-sees-agent")


@pytest.mark.parametrize("question, kind, label", [
    ("How are my budgets doing?", "progress", r"Budgets, .*dining \$[\d,.]+ of \$"),
    ("how long to clear my cards if I pay 900 a month?", "line", r"Debt balance over time .*from \$"),
    ("I want to save 3000 for a holiday by next summer", "goal", r"Savings goal by .*saved of \$3,000\.00"),
])
def test_budgets_payoff_and_goals_are_drawn(server, open_page, question, kind, label):
    from playwright.sync_api import expect

    page = open_page(f"{server.url}/chat#token={server.token('demo-debt')}")
    answer = ask(page, question, 0)
    figure = answer.locator(f"figure.chart[data-kind={kind}]")
    expect(figure.locator("svg[role=img]")).to_have_attribute("aria-label", re.compile(label))
    shot(page, f"chart-{kind}", answer)


def test_the_interactive_api_docs_work_without_a_network(server, open_page):
    """/docs loads Swagger UI from the app itself (no CDN): the operations render and nothing leaves loopback."""
    page = open_page(f"{server.url}/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 10, "the API's operations are listed"
    loaded = page.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
    assert loaded and not [url for url in loaded if not url.startswith(server.url)], loaded
    shot(page, "api-docs")
