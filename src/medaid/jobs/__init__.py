"""Background jobs (后台任务): long work started from the web runs in a worker thread, its state
and progress live in the ``job`` table so any request (or process) can poll it."""

from medaid.jobs.runner import JobRunner, JobView, get_job, list_jobs, mark_interrupted

__all__ = ["JobRunner", "JobView", "get_job", "list_jobs", "mark_interrupted"]
