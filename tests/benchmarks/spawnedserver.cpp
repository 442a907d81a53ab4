#include "spawnedserver.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "poller.h"

#include <cstdlib>
#include <cstring>

namespace ssebench {

SpawnedServer::~SpawnedServer()
{
    stop();
}

bool SpawnedServer::start(const std::string &program,
                          const std::vector<std::string> &extraArguments, std::string *error)
{
    int pipeFds[2];
    if (pipe(pipeFds) != 0) {
        *error = std::strerror(errno);
        return false;
    }
    std::vector<std::string> arguments {program, "--listen", "127.0.0.1:0"};
    arguments.insert(arguments.end(), extraArguments.begin(), extraArguments.end());
    m_pid = fork();
    if (m_pid < 0) {
        *error = std::strerror(errno);
        return false;
    }
    if (m_pid == 0) {
        dup2(pipeFds[1], STDOUT_FILENO);
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        setenv("QT_NO_GLIB", "1", 1);
        // Every benchmark client comes from 127.0.0.1: lift ssebufd's connection caps.
        setenv("SSEBUF_MAX_CONNECTIONS", "10000000", 0);
        setenv("SSEBUF_MAX_CONNECTIONS_PER_IP", "10000000", 0);
        std::vector<char *> argv;
        for (std::string &argument : arguments)
            argv.push_back(argument.data());
        argv.push_back(nullptr);
        execv(program.c_str(), argv.data());
        std::fprintf(stderr, "ssebench: cannot run %s: %s\n", program.c_str(),
                     std::strerror(errno));
        _exit(127);
    }
    ::close(pipeFds[1]);
    m_output = pipeFds[0];

    std::string output;
    const int64_t deadline = monotonicNs() + 15LL * 1000000000;
    while (monotonicNs() < deadline) {
        pollfd descriptor {m_output, POLLIN, 0};
        if (::poll(&descriptor, 1, 100) <= 0)
            continue;
        char buffer[4096];
        const ssize_t count = ::read(m_output, buffer, sizeof buffer);
        if (count <= 0)
            break;
        output.append(buffer, size_t(count));
        const size_t at = output.find("listening on http://");
        const size_t end = at == std::string::npos ? at : output.find('\n', at);
        if (end != std::string::npos) {
            const size_t colon = output.rfind(':', end);
            m_port = uint16_t(std::atoi(output.c_str() + colon + 1));
            const int fd = m_output;
            m_drain = std::thread([fd] {
                char chunk[4096];
                ssize_t n = 0;
                while ((n = ::read(fd, chunk, sizeof chunk)) > 0) {
                    if (std::fwrite(chunk, 1, size_t(n), stderr) == 0)
                        break;
                }
            });
            return m_port != 0;
        }
    }
    *error = "ssebufd did not report listening; output: " + output;
    stop(2000);
    return false;
}

int SpawnedServer::stop(int timeoutMs)
{
    int result = -1;
    if (m_pid > 0) {
        ::kill(m_pid, SIGTERM);
        const int64_t deadline = monotonicNs() + int64_t(timeoutMs) * 1000000;
        int status = 0;
        pid_t waited = 0;
        while ((waited = waitpid(m_pid, &status, WNOHANG)) == 0 && monotonicNs() < deadline)
            usleep(20000);
        if (waited == 0) {
            ::kill(m_pid, SIGKILL);
            waitpid(m_pid, &status, 0);
        } else if (waited > 0 && WIFEXITED(status)) {
            result = WEXITSTATUS(status);
        }
        m_pid = -1;
    }
    if (m_drain.joinable())
        m_drain.join();
    if (m_output >= 0) {
        ::close(m_output);
        m_output = -1;
    }
    return result;
}

} // namespace ssebench
