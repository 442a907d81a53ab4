#include "config/serviceconfig.h"
#include "eventloop/epolleventdispatcher.h"
#include "logsink.h"
#include "service.h"
#include "signalwatcher.h"

#include <QCoreApplication>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/resource.h>

namespace {

// Every event stream is a descriptor: use all the process may have (the soft limit is
// often 1024, the hard limit much higher), so 10,000 streams fit.
void raiseDescriptorLimit()
{
    struct rlimit limit;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// The tokens have been read: wipe them from the process's own environment block, which
// /proc/<pid>/environ shows to every process of the same user (exec producers included).
// unsetenv() alone only drops the pointer; the bytes the kernel shows stay.
void scrubTokensFromEnvironment()
{
    for (const char *name : {"SSEBUF_ADMIN_TOKEN", "SSEBUF_PUBLISH_TOKEN"}) {
        if (char *value = std::getenv(name))
            std::memset(value, 0, std::strlen(value));
        ::unsetenv(name);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    raiseDescriptorLimit();
    // The GLib dispatcher degrades badly with thousands of sockets; Qt's own is used.
    qputenv("QT_NO_GLIB", "1");
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    const auto loaded
        = ssebuf::ConfigLoader::load(arguments, QProcessEnvironment::systemEnvironment());
    if (!loaded.config) {
        std::fputs(loaded.message.toLocal8Bit().constData(),
                   loaded.exitCode == 0 ? stdout : stderr);
        return loaded.exitCode;
    }
    scrubTokensFromEnvironment();
    // Qt's dispatchers poll() every socket on every iteration; with thousands of streams
    // that is most of the CPU. SSEBUF_EVENT_DISPATCHER=qt keeps Qt's own.
    if (qgetenv("SSEBUF_EVENT_DISPATCHER") != "qt") {
        auto *dispatcher = new ssebuf::EpollEventDispatcher;
        if (dispatcher->isValid())
            QCoreApplication::setEventDispatcher(dispatcher);
        else
            delete dispatcher;
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("ssebufd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SSEBUF_VERSION));
    ssebuf::LogSink::install(loaded.config->logLevel, loaded.config->logFormat);

    ssebuf::SignalWatcher signalWatcher;
    ssebuf::Service service(*loaded.config);
    QString error;
    if (!service.start(&error)) {
        std::fprintf(stderr, "ssebufd: %s\n", error.toLocal8Bit().constData());
        return 1;
    }
    QObject::connect(&signalWatcher, &ssebuf::SignalWatcher::terminationRequested, &service,
                     &ssebuf::Service::shutdown);
    QObject::connect(&service, &ssebuf::Service::stopped, &app, [] { QCoreApplication::exit(0); });
    std::printf("listening on %s\n", service.baseUrl().toLocal8Bit().constData());
    std::fflush(stdout);
    return app.exec();
}
