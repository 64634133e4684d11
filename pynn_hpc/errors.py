"""The errors pynn_hpc raises for what a user gave it.

Every one carries a message that says what to do; the CLI prints it as one line and exits
with code 2, before anything is built or written.  The backends' own errors
(:class:`pynn_hpc.backends.BackendUnavailable`, :class:`pynn_hpc.backends.BackendBroken`)
belong to the backend interface.
"""


class ParameterError(ValueError):
    """A user-supplied value that cannot describe a network; the message says what to do."""
