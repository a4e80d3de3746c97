"""Without a broker (the embedded default of `make run`), tasks run in a background thread of the web
process, not inside the request that asked for them (config/celery.py)."""

import threading

from config.celery import app

release = threading.Event()
ran_in: list[str] = []
finished = threading.Event()


@app.task(name="tests.background_probe")
def background_probe(value):
    ran_in.append(threading.current_thread().name)
    release.wait(10)  # held until the caller says: run inline, `delay` would not return before that
    ran_in.append(value)
    finished.set()


def test_without_a_broker_delay_returns_at_once_and_the_task_runs_in_the_background_thread(settings, monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # no broker (also when CI's run has one)
    settings.TASKS_IN_BACKGROUND = True
    release.clear(), finished.clear(), ran_in.clear()

    result = background_probe.delay("done")

    assert not finished.is_set()  # delay came back while the task waits for `release`
    release.set()
    assert finished.wait(10)
    assert ran_in == ["mandate-tasks", "done"]
    assert result.id


def test_tests_keep_delay_running_the_task_before_it_returns(settings, monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    settings.TASKS_IN_BACKGROUND = False
    release.set(), finished.clear(), ran_in.clear()

    background_probe.delay("inline")

    assert finished.is_set()
    assert ran_in == [threading.current_thread().name, "inline"]


def test_import_steps_take_the_background_thread_too():
    # The pipeline's task must be built on the project's Task (config.celery), or without a broker a
    # 200,000-row upload is read inside the request that uploaded it.
    from config.celery import Task
    from missions.tasks import run_import_job

    assert isinstance(run_import_job, Task)
