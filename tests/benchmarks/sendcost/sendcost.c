// sendcost: the kernel cost of one small loopback TCP send, plain send(2) against io_uring
// (one io_uring_enter for the sends of one event to every socket). Evidence for
// docs/benchmarks.md, "Why 2x is out of reach": the cost is the TCP work and the reader's
// wake-up, not the system call entry, so batching the calls does not help.
//
//   gcc -O2 -o sendcost sendcost.c -luring        (Debian: liburing-dev)
//   ./sendcost SOCKETS EVENTS MODE [PACE_US]      MODE 0 = send(2), 1 = io_uring
//
// A child process accepts SOCKETS connections and reads them all with epoll; the parent
// sends one 300-byte message to every socket per event and prints its own CPU time per send.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpuSeconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec
        + usage.ru_stime.tv_usec / 1e6;
}

static void readAll(int listener, int sockets)
{
    int epoll = epoll_create1(0);
    for (int i = 0; i < sockets; i++) {
        int fd = accept(listener, 0, 0);
        struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    }
    static char buffer[65536];
    struct epoll_event events[256];
    for (int open = sockets; open > 0;) {
        int ready = epoll_wait(epoll, events, 256, -1);
        for (int i = 0; i < ready; i++) {
            if (read(events[i].data.fd, buffer, sizeof buffer) <= 0) {
                close(events[i].data.fd);
                open--;
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 4 || atoi(argv[1]) < 1 || atoi(argv[1]) > 1000) {
        fprintf(stderr,
                "usage: sendcost SOCKETS(1..1000) EVENTS MODE(0 send, 1 io_uring) [PACE_US]\n");
        return 2;
    }
    const int sockets = atoi(argv[1]), events = atoi(argv[2]), mode = atoi(argv[3]);
    const int paceUs = argc > 4 ? atoi(argv[4]) : 0;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 1024)
        || getsockname(listener, (struct sockaddr *)&address, &length)) {
        perror("listen");
        return 1;
    }
    pid_t reader = fork();
    if (reader == 0) {
        readAll(listener, sockets);
        _exit(0);
    }
    int fds[1000];
    for (int i = 0; i < sockets; i++) {
        int one = 1;
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fds[i], (struct sockaddr *)&address, sizeof address)) {
            perror("connect");
            return 1;
        }
    }
    char message[300];
    memset(message, 'x', sizeof message);
    struct io_uring ring;
    if (mode == 1) {
        if (io_uring_queue_init(1024, &ring, 0) < 0
            || io_uring_register_files(&ring, fds, sockets) < 0) {
            perror("io_uring");
            return 1;
        }
    }
    const double before = cpuSeconds();
    for (int e = 0; e < events; e++) {
        if (mode == 0) {
            for (int i = 0; i < sockets; i++)
                if (send(fds[i], message, sizeof message, MSG_NOSIGNAL) != sizeof message)
                    perror("send");
        } else {
            for (int i = 0; i < sockets; i++) {
                struct io_uring_sqe *entry = io_uring_get_sqe(&ring);
                io_uring_prep_send(entry, i, message, sizeof message, MSG_NOSIGNAL);
                entry->flags |= IOSQE_FIXED_FILE;
            }
            io_uring_submit_and_wait(&ring, sockets);
            struct io_uring_cqe *completion;
            unsigned head, seen = 0;
            io_uring_for_each_cqe(&ring, head, completion)
            {
                if (completion->res != sizeof message)
                    fprintf(stderr, "send: %d\n", completion->res);
                seen++;
            }
            io_uring_cq_advance(&ring, seen);
        }
        if (paceUs) {
            struct timespec pause = {0, paceUs * 1000L};
            nanosleep(&pause, 0);
        }
    }
    const double spent = cpuSeconds() - before;
    if (mode == 1)
        io_uring_queue_exit(&ring); // registered files hold the sockets open
    for (int i = 0; i < sockets; i++)
        close(fds[i]);
    waitpid(reader, 0, 0);
    const long sends = (long)sockets * events;
    printf("mode=%s sockets=%d sends=%ld sender cpu %.3f s = %.2f us/send\n",
           mode ? "io_uring" : "send", sockets, sends, spent, spent / sends * 1e6);
    return 0;
}
