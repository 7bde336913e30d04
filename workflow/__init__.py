"""Workflow: routing of incoming documents, approval circuits, issuing, tasks,
deadlines.

The orchestrator: the one place where a business step touches several apps."""
