"""The try-out in a real browser (headless Chromium driven by Selenium): a teacher reports a
repair with a sample photo, the supervisor accepts it, the teacher sees it accepted.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``make test`` installs them
when it can); without them these tests skip with one line saying so.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tryout import OUTPUT, TryOut, try_out

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(
        "browser tests skipped: no chromium/chromedriver"
        " (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SHOTS = OUTPUT / "sandbox"
TEACHER, SUPERVISOR = "9007", "9002"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[TryOut]:
    with try_out(tmp_path, "sandbox") as t:
        yield t


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=420,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: webdriver.Chrome, until: Callable[[], Any], seconds: float = 45) -> Any:
    """Until ``until()`` is truthy; a message redrawn while being read (an edit arriving)
    is simply read again."""
    return WebDriverWait(
        driver, seconds, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    ).until(lambda _: until())


def bot_message(driver: webdriver.Chrome, *needles: str) -> WebElement | None:
    """The latest message from the bot whose text holds all ``needles``."""
    for el in reversed(driver.find_elements(By.CSS_SELECTOR, "#messages .msg.in")):
        if all(n in el.text for n in needles):
            return el
    return None


def shoot(driver: webdriver.Chrome, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def test_teacher_reports_with_a_sample_photo_supervisor_accepts_and_teacher_sees_it(
    running: TryOut, browser: webdriver.Chrome
) -> None:
    d = browser
    d.get(f"{running.url}/#{SUPERVISOR}")  # a second tab: the supervisor, watching live
    wait(d, lambda: d.find_elements(By.CSS_SELECTOR, "#messages .msg"))
    supervisor_tab = d.current_window_handle
    d.switch_to.new_window("tab")
    d.get(f"{running.url}/#{TEACHER}")
    wait(
        d,
        lambda: Select(d.find_element(By.ID, "person")).first_selected_option.text.startswith(
            "孙老师"
        ),
    )

    d.find_element(By.ID, "attach").click()
    d.find_element(By.CSS_SELECTOR, '.sample[data-sample="lamp.jpg"]').click()
    d.find_element(By.ID, "text").send_keys("教学楼302教室 灯管坏了，一闪一闪的")
    d.find_element(By.ID, "send").click()

    # The demo's own report of today (#14) was acknowledged too: find this one's answer.
    receipt = wait(d, lambda: bot_message(d, "已提交", "教学楼302教室"))
    number = re.search(r"#(\d+)", receipt.text)
    assert number is not None, receipt.text
    ref = f"#{number.group(1)}"
    sent = wait(d, lambda: d.find_elements(By.CSS_SELECTOR, "#messages .msg.out img.photo"))
    wait(d, lambda: d.execute_script("return arguments[0].naturalWidth", sent[-1]) > 0)
    shoot(d, "1-teacher-reported")

    # The supervisor's tab got the report without a reload.
    d.switch_to.window(supervisor_tab)
    assert wait(d, lambda: bot_message(d, "新报修", ref))
    d.switch_to.window(d.window_handles[-1])

    # The same tab becomes the supervisor: the report is there with its buttons.
    Select(d.find_element(By.ID, "person")).select_by_value(SUPERVISOR)
    report = wait(d, lambda: bot_message(d, "新报修", ref))
    assert report.find_elements(By.CSS_SELECTOR, "img.photo"), "the photo is shown inline"
    accept = next(
        b for b in report.find_elements(By.CSS_SELECTOR, ".kb button") if "受理" in b.text
    )
    accept.click()
    wait(d, lambda: bot_message(d, "已受理", ref) or bot_message(d, ref, "刘师傅"))
    shoot(d, "2-supervisor-accepted")

    Select(d.find_element(By.ID, "person")).select_by_value(TEACHER)
    accepted = wait(d, lambda: bot_message(d, "已受理", "刘师傅"))
    assert ref in accepted.text or "302" in accepted.text
    shoot(d, "3-teacher-sees-accepted")


def test_time_control_runs_the_patrol_round_and_the_checklist_arrives(
    running: TryOut, browser: webdriver.Chrome
) -> None:
    d = browser
    d.get(f"{running.url}/#9005")
    jobs = Select(d.find_element(By.ID, "jobs"))
    wait(d, lambda: "patrol:night" in [o.get_attribute("value") for o in jobs.options])
    jobs.select_by_value("patrol:night")
    d.find_element(By.ID, "run-job").click()
    # The bot's clock jumps to the next 21:30; that evening's checklist arrives.
    now = wait(d, lambda: re.fullmatch(r"(\d+)-(\d+) 21:30", d.find_element(By.ID, "now").text))
    day = f"{int(now.group(1))}月{int(now.group(2))}日"
    checklist = wait(d, lambda: bot_message(d, "晚间", day))
    assert "全部正常" in checklist.text and checklist.find_elements(By.CSS_SELECTOR, ".kb button")
    shoot(d, "4-patrol-round-now")
