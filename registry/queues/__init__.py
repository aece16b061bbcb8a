"""The two job queues the runtime chooses between: arq over Redis (`arq_queue`) and the
in-process runner of the embedded default (`inprocess`). Both run the job functions of
`workers/`, which the composition root (`registry/runtime.py`, `registry/worker.py`) hands them."""
