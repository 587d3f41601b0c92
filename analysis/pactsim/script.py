"""What every pactsim-* script's main() shares (docs/analysis.md, conventions).

    from .script import script

    @script("pactsim-facts")
    def main(argv=None):
        ...

- A closed stdout (`pactsim-discover ... | head -5`) ends nothing: what the
  script still prints is dropped without a BrokenPipeError traceback, and it goes
  on writing its files and exits with its own status.
- A bad input file that a script did not catch itself (PactsimFileError,
  ObservationError, ScoreFileError: their messages name the file) gives the
  usual `PROG: error: MESSAGE` and exit status 2, never a traceback.

No matplotlib here: facts, agreements and discovery use it too.
"""
import functools
import os
import sys

__all__ = ["script", "no_command_line"]

#: The package's command lines (docs/analysis.md).
SCRIPTS = ("pactsim-plot-run", "pactsim-plot-compare", "pactsim-plot-sweep",
           "pactsim-plot-posterior", "pactsim-plot-predictive", "pactsim-plot-scores",
           "pactsim-discover", "pactsim-facts", "python3 -m pactsim.agreements")


def no_command_line(module):
    """What `python3 -m MODULE` of a library module does: says it has no command line and
    names the scripts, on stderr; exit status 2 (as a bad command line)."""
    print(f"{module}: error: {module} is a library module with no command line; import it "
          f"from Python (docs/analysis.md). The command lines are: {', '.join(SCRIPTS)}",
          file=sys.stderr)
    return 2


class _PipeSafe:
    """sys.stdout, except that once the reader has gone (EPIPE) writes are dropped.

    fd 1 is then pointed at /dev/null, so that the interpreter's last flush at exit
    does not report the broken pipe either."""

    def __init__(self, stream):
        self._stream = stream
        self.gone = False

    def _gone(self):
        self.gone = True
        try:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, self._stream.fileno())
            os.close(fd)
        except (OSError, ValueError, AttributeError):  # no real fd (a test's capture)
            pass

    def write(self, text):
        if not self.gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self):
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._gone()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _input_errors():
    from .io import PactsimFileError
    from .observations import ObservationError
    from .scores import ScoreFileError
    return PactsimFileError, ObservationError, ScoreFileError


def script(prog):
    """Decorate a script's main(argv=None) -> exit status (see the module docstring)."""

    def wrap(main):
        @functools.wraps(main)
        def run(argv=None):
            saved = sys.stdout
            sys.stdout = safe = _PipeSafe(saved)
            try:
                status = main(argv)
                safe.flush()
                return status
            except BrokenPipeError:  # a write that bypassed sys.stdout: the work was cut short
                safe._gone()
                return 1
            except _input_errors() as e:
                print(f"{prog}: error: {e}", file=sys.stderr)
                return 2
            finally:
                if sys.stdout is safe:
                    sys.stdout = saved
        return run

    return wrap


if __name__ == "__main__":
    sys.exit(no_command_line("pactsim.script"))
