/* Reading HDF5 files in a child process.
 *
 * HDF5 1.10 can crash or loop forever on a damaged file (a corrupt global
 * heap: tests/fuzz/known_hdf5/), before pactsim can tell what the file is. So
 * the commands that read files (info, compare, sensitivity) run in a forked
 * child: a crash becomes a message and exit 2 (bad input), a loop is ended by
 * a CPU-time limit. The child prints as the command would. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "pactsim.h"

int ps_cli_guarded(const char *files, unsigned cpu_seconds, int (*fn)(void *), void *arg)
{
    fflush(NULL); /* nothing buffered is printed twice */
    pid_t pid = fork();
    if (pid < 0) /* no process to spare: read in this one */
        return fn(arg);
    if (pid == 0) {
        if (cpu_seconds) {
            struct rlimit rl = {cpu_seconds, cpu_seconds + 1};
            setrlimit(RLIMIT_CPU, &rl);
        }
        /* exit, not _exit: the leak checkers (LSan, valgrind) check the child at exit */
        exit(fn(arg));
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ; /* EINTR */
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    int sig = WTERMSIG(status);
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGPIPE) {
        signal(sig, SIG_DFL); /* end as the child did (e.g. ^C: 130) */
        raise(sig);
        return 128 + sig;
    }
    if (sig == SIGKILL && !cpu_seconds) {
        /* not HDF5's doing: killed from outside (kill -9, the OOM killer); end so too */
        fprintf(stderr, "pactsim: error: %s: the reading process was killed (SIGKILL: by "
                "another process or for lack of memory)\n", files);
        fflush(stderr);
        raise(SIGKILL);
    }
    if (sig == SIGXCPU || (sig == SIGKILL && cpu_seconds))
        fprintf(stderr, "pactsim: error: %s: still reading after %u s of CPU time; the file is "
                "probably damaged (HDF5 loops forever on some corrupt files); use --cpu-limit "
                "for a larger limit\n", files, cpu_seconds);
    else
        fprintf(stderr, "pactsim: error: %s: reading crashed the HDF5 library (%s); the file is "
                "damaged or not what it claims to be\n", files, strsignal(sig));
    return ps_status_exit_code(PS_ERR_INPUT);
}
