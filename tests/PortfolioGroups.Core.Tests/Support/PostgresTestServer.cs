using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace PortfolioGroups.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server started from the installed server binaries (initdb, pg_ctl),
/// living in its own temp directory and listening on a free loopback port with trust auth.
/// Disposing it stops the server and deletes the directory, so nothing outlives the test run.
/// </summary>
internal sealed class PostgresTestServer : IAsyncDisposable
{
    /// <summary>Folder holding initdb and pg_ctl; overrides the automatic discovery.</summary>
    public const string BinDirEnvironmentVariable = "PORTFOLIOGROUPS_PG_BIN";

    private const string TempDirPrefix = "pg-portfoliogroups-";
    private const string OwnerPidFileName = "owner.pid";
    private const string SystemUser = "postgres";
    private const int StartAttempts = 3;

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly string _binDir;
    private readonly string _rootDir;
    private readonly string _dataDir;
    private readonly bool _runAsSystemUser;
    private readonly IReadOnlyList<string> _settings;
    private readonly EventHandler _processExitHandler;
    private int _stopped;

    private PostgresTestServer(string binDir, string rootDir, bool runAsSystemUser, int port, IReadOnlyList<string> settings)
    {
        _binDir = binDir;
        _rootDir = rootDir;
        _dataDir = DataDirOf(rootDir);
        _runAsSystemUser = runAsSystemUser;
        _settings = settings;
        Port = port;
        ConnectionString = string.Create(
            CultureInfo.InvariantCulture,
            $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100");

        // DisposeAsync is the normal path; this is the fallback for a run that never reaches it
        // (e.g. a one-time teardown that is skipped), so the server does not outlive the test process.
        _processExitHandler = (_, _) => StopAndDelete();
        AppDomain.CurrentDomain.ProcessExit += _processExitHandler;
    }

    /// <summary>The TCP port the server listens on (127.0.0.1 only).</summary>
    public int Port { get; }

    /// <summary>Superuser connection string (trust auth, so no password).</summary>
    public string ConnectionString { get; }

    /// <summary>Where the server's files live; deleted on dispose.</summary>
    public string RootDirectory => _rootDir;

    /// <summary>
    /// Creates a cluster in a fresh temp directory and starts it.
    /// Throws <see cref="InvalidOperationException"/> saying what was tried when the binaries are
    /// missing or the server does not start.
    /// </summary>
    public static Task<PostgresTestServer> StartAsync(CancellationToken ct) => StartAsync([], ct);

    /// <summary>
    /// Like <see cref="StartAsync(CancellationToken)"/>, with server settings (<c>name=value</c>, each
    /// passed as <c>-c</c>) after the defaults, so they win over them (<c>synchronous_commit=on</c>).
    /// </summary>
    public static async Task<PostgresTestServer> StartAsync(IReadOnlyList<string> settings, CancellationToken ct)
    {
        var binDir = FindBinDir(out var tried);
        if (binDir is null)
        {
            throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found. Tried: "
                + string.Join("; ", tried)
                + $". Fix: install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql) or set {BinDirEnvironmentVariable} to the folder that holds initdb and pg_ctl.");
        }

        // initdb and postgres refuse to run as root, so as root the tools run as the postgres system user.
        var runAsSystemUser = await IsRootAsync(ct);
        await RemoveStaleServersAsync(binDir, runAsSystemUser, ct);

        var rootDir = Path.Combine(Path.GetTempPath(), TempDirPrefix + RandomNumberGenerator.GetHexString(12, lowercase: true));
        Directory.CreateDirectory(rootDir);
        try
        {
            // Lets a later run clean up after this process if it dies without disposing.
            await File.WriteAllTextAsync(Path.Combine(rootDir, OwnerPidFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ct);
            var socketDir = Directory.CreateDirectory(Path.Combine(rootDir, "sock")).FullName;
            if (runAsSystemUser)
            {
                var chown = await ChildProcess.RunAsync("chown", ["-R", $"{SystemUser}:{SystemUser}", rootDir], rootDir, ToolTimeout, ct);
                ThrowIfFailed(chown, $"chown -R {SystemUser}:{SystemUser} {rootDir}", hint: $"running as root needs the '{SystemUser}' system user (installed with the PostgreSQL server package).");
            }

            var dataDir = DataDirOf(rootDir);
            var initdb = await RunToolAsync(binDir, "initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C", "--lc-ctype=C.UTF-8"], runAsSystemUser, rootDir, ToolTimeout, ct);
            ThrowIfFailed(initdb, "initdb", hint: runAsSystemUser
                ? $"as root, initdb runs via 'runuser -u {SystemUser}'; the '{SystemUser}' user must exist and be able to traverse {Path.GetTempPath()}."
                : null);

            var port = await StartServerAsync(binDir, rootDir, socketDir, runAsSystemUser, settings, ct);
            return new PostgresTestServer(binDir, rootDir, runAsSystemUser, port, settings);
        }
        catch
        {
            // Nothing else knows about this directory yet, so clean it up here.
            await StopServerAsync(binDir, DataDirOf(rootDir), runAsSystemUser);
            TryDeleteDirectory(rootDir);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;
        await StopServerAsync(_binDir, _dataDir, _runAsSystemUser);
        TryDeleteDirectory(_rootDir);
    }

    private void StopAndDelete()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        // ProcessExit handlers run synchronously and there is no synchronization context, so blocking is safe here.
        // No waiting for the shutdown: the test runner kills the test host soon after the run ends, and the
        // wait (~100 ms poll) was measured to lose that race; the immediate shutdown completes on its own.
        StopServerAsync(_binDir, _dataDir, _runAsSystemUser, waitForShutdown: false).GetAwaiter().GetResult();
        TryDeleteDirectory(_rootDir);
    }

    private static string DataDirOf(string rootDir) => Path.Combine(rootDir, "data");

    private static async Task<int> StartServerAsync(string binDir, string rootDir, string socketDir, bool runAsSystemUser, IReadOnlyList<string> settings, CancellationToken ct)
    {
        var logFile = Path.Combine(rootDir, "server.log");
        var failures = new StringBuilder();
        for (var attempt = 1; attempt <= StartAttempts; attempt++)
        {
            // The port is free now but could be taken before postgres binds it; that race is why start is retried.
            var port = GetFreePort();
            var logOffset = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
            var result = await RunPgCtlStartAsync(binDir, rootDir, socketDir, runAsSystemUser, port, settings, ct);
            if (result.ExitCode == 0)
            {
                return port;
            }

            var log = ReadLogTail(logFile, logOffset);
            failures.Append(CultureInfo.InvariantCulture, $"Attempt {attempt} (port {port}): {result.Describe("pg_ctl start")}{Environment.NewLine}Server log tail:{Environment.NewLine}{log}{Environment.NewLine}");
            if (!LooksLikePortConflict(log + result.Error))
            {
                break;
            }
        }

        throw new InvalidOperationException(
            $"The throwaway PostgreSQL server did not start (binaries: {binDir}).{Environment.NewLine}{failures}");
    }

    private static Task<ProcessResult> RunPgCtlStartAsync(string binDir, string rootDir, string socketDir, bool runAsSystemUser, int port, IReadOnlyList<string> settings, CancellationToken ct)
    {
        // pg_ctl hands -o to /bin/sh, hence the quotes around the socket path and each setting.
        var serverOptions = string.Create(
            CultureInfo.InvariantCulture,
            $"-p {port} -k \"{socketDir}\" -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            + string.Concat(settings.Select(setting => $" -c \"{setting}\""));
        return RunToolAsync(
            binDir,
            "pg_ctl",
            ["-D", DataDirOf(rootDir), "-l", Path.Combine(rootDir, "server.log"), "-w", "-t", "60", "-o", serverOptions, "start"],
            runAsSystemUser,
            rootDir,
            ToolTimeout,
            ct);
    }

    /// <summary>Stops the server (fast shutdown: sessions are ended), keeping its files, for tests of a server that goes away.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        var result = await RunToolAsync(_binDir, "pg_ctl", ["-D", _dataDir, "-m", "fast", "-w", "-t", "60", "stop"], _runAsSystemUser, _rootDir, StopTimeout, ct);
        ThrowIfFailed(result, "pg_ctl stop", hint: null);
    }

    /// <summary>Starts a server stopped by <see cref="StopAsync"/> again, on the same port.</summary>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        var result = await RunPgCtlStartAsync(_binDir, _rootDir, Path.Combine(_rootDir, "sock"), _runAsSystemUser, Port, _settings, ct);
        ThrowIfFailed(result, "pg_ctl start", hint: null);
    }

    /// <summary>Stops the server at once, as a crash would (<c>pg_ctl stop -m immediate</c>), keeping its files.</summary>
    public async Task KillAsync(CancellationToken ct = default)
    {
        var result = await RunToolAsync(_binDir, "pg_ctl", ["-D", _dataDir, "-m", "immediate", "-w", "-t", "60", "stop"], _runAsSystemUser, _rootDir, StopTimeout, ct);
        ThrowIfFailed(result, "pg_ctl stop -m immediate", hint: null);
    }

    /// <summary>Promotes this standby to a primary (<c>pg_ctl promote</c>, waiting until it takes writes).</summary>
    public async Task PromoteAsync(CancellationToken ct = default)
    {
        var result = await RunToolAsync(_binDir, "pg_ctl", ["-D", _dataDir, "-w", "-t", "60", "promote"], _runAsSystemUser, _rootDir, ToolTimeout, ct);
        ThrowIfFailed(result, "pg_ctl promote", hint: null);
    }

    /// <summary>
    /// Starts a streaming standby of this server: a base backup taken with <c>pg_basebackup -R</c>
    /// (which writes the standby's connection to this primary), started in a directory of its own
    /// on a free port, with <paramref name="settings"/> after the defaults. The primary's default
    /// pg_hba lets the replication connection in (trust on 127.0.0.1).
    /// </summary>
    public async Task<PostgresTestServer> StartStandbyAsync(IReadOnlyList<string> settings, CancellationToken ct)
    {
        var rootDir = Path.Combine(Path.GetTempPath(), TempDirPrefix + RandomNumberGenerator.GetHexString(12, lowercase: true));
        Directory.CreateDirectory(rootDir);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(rootDir, OwnerPidFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ct);
            var socketDir = Directory.CreateDirectory(Path.Combine(rootDir, "sock")).FullName;
            if (_runAsSystemUser)
            {
                var chown = await ChildProcess.RunAsync("chown", ["-R", $"{SystemUser}:{SystemUser}", rootDir], rootDir, ToolTimeout, ct);
                ThrowIfFailed(chown, $"chown -R {SystemUser}:{SystemUser} {rootDir}", hint: null);
            }

            var backup = await RunToolAsync(
                _binDir,
                "pg_basebackup",
                ["-D", DataDirOf(rootDir), "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-R", "-X", "stream", "--no-sync", "-c", "fast"],
                _runAsSystemUser,
                rootDir,
                ToolTimeout,
                ct);
            ThrowIfFailed(backup, "pg_basebackup", hint: null);
            var port = await StartServerAsync(_binDir, rootDir, socketDir, _runAsSystemUser, settings, ct);
            return new PostgresTestServer(_binDir, rootDir, _runAsSystemUser, port, settings);
        }
        catch
        {
            await StopServerAsync(_binDir, DataDirOf(rootDir), _runAsSystemUser);
            TryDeleteDirectory(rootDir);
            throw;
        }
    }

    private static bool LooksLikePortConflict(string text) =>
        text.Contains("already in use", StringComparison.OrdinalIgnoreCase)
        || text.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
        || text.Contains("could not create any TCP/IP sockets", StringComparison.OrdinalIgnoreCase);

    private static int GetFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string ReadLogTail(string logFile, long fromOffset)
    {
        try
        {
            using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // Only the last few KB: enough for the FATAL lines without flooding the exception message.
            stream.Seek(Math.Max(fromOffset, stream.Length - 4096), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd().Trim();
            return text.Length == 0 ? "(empty)" : text;
        }
        catch (IOException ex)
        {
            return $"(could not read {logFile}: {ex.Message})";
        }
        catch (UnauthorizedAccessException ex)
        {
            return $"(could not read {logFile}: {ex.Message})";
        }
    }

    /// <summary>Best effort: never throws, because it runs from dispose, from ProcessExit and from failed starts.</summary>
    private static async Task StopServerAsync(string binDir, string dataDir, bool runAsSystemUser, bool waitForShutdown = true)
    {
        if (!File.Exists(Path.Combine(dataDir, "postmaster.pid")))
        {
            return;
        }

        try
        {
            // Immediate mode: the data is thrown away anyway, so skip the shutdown checkpoint.
            await RunToolAsync(binDir, "pg_ctl", ["-D", dataDir, "-m", "immediate", waitForShutdown ? "-w" : "-W", "-t", "20", "stop"], runAsSystemUser, Path.GetDirectoryName(dataDir)!, StopTimeout, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Win32Exception or TimeoutException or InvalidOperationException or IOException)
        {
            // Nothing useful to do; the directory delete that follows is best effort as well.
        }
    }

    private static void TryDeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temp directory is harmless and is removed by a later run.
        }
    }

    /// <summary>
    /// Stops and removes servers left by earlier test processes that died without disposing
    /// (e.g. a killed test host), so they do not keep running and piling up in the temp folder.
    /// </summary>
    private static async Task RemoveStaleServersAsync(string binDir, bool runAsSystemUser, CancellationToken ct)
    {
        string[] candidates;
        try
        {
            candidates = Directory.GetDirectories(Path.GetTempPath(), TempDirPrefix + "*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var dir in candidates)
        {
            ct.ThrowIfCancellationRequested();
            string ownerText;
            try
            {
                ownerText = await File.ReadAllTextAsync(Path.Combine(dir, OwnerPidFileName), ct);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // No owner file (yet): possibly being created right now by another process, so leave it.
                continue;
            }

            if (!int.TryParse(ownerText.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ownerPid) || IsProcessAlive(ownerPid))
            {
                continue;
            }

            await StopServerAsync(binDir, DataDirOf(dir), runAsSystemUser);
            TryDeleteDirectory(dir);
        }
    }

    private static bool IsProcessAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// PORTFOLIOGROUPS_PG_BIN if set (no fallback, so a wrong setting is noticed), else the newest
    /// /usr/lib/postgresql/N/bin (Debian/Ubuntu layout), else pg_config --bindir.
    /// </summary>
    private static string? FindBinDir(out List<string> tried)
    {
        tried = [];
        var fromEnvironment = Environment.GetEnvironmentVariable(BinDirEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            tried.Add($"{BinDirEnvironmentVariable}={fromEnvironment}");
            return HasServerTools(fromEnvironment) ? fromEnvironment : null;
        }

        const string debianRoot = "/usr/lib/postgresql";
        tried.Add($"{debianRoot}/<version>/bin");
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: ParseVersion(Path.GetFileName(dir))))
                .Where(candidate => candidate.Version is not null && HasServerTools(candidate.Dir))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Dir)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        tried.Add("pg_config --bindir");
        try
        {
            // Synchronous on purpose: discovery runs once and pg_config answers instantly.
            var pgConfig = ChildProcess.RunAsync("pg_config", ["--bindir"], Path.GetTempPath(), TimeSpan.FromSeconds(30), CancellationToken.None).GetAwaiter().GetResult();
            var dir = pgConfig.Output.Trim();
            if (pgConfig.ExitCode == 0 && dir.Length > 0)
            {
                tried[^1] += $" (gave {dir})";
                if (HasServerTools(dir))
                {
                    return dir;
                }
            }
        }
        catch (Win32Exception)
        {
            tried[^1] += " (pg_config not on PATH)";
        }
        catch (TimeoutException)
        {
            tried[^1] += " (timed out)";
        }

        return null;
    }

    private static Version? ParseVersion(string? name)
    {
        // Folder names are "15" or, for old releases, "9.6"; Version needs at least two parts.
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        return Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : null;
    }

    private static bool HasServerTools(string dir) =>
        File.Exists(Path.Combine(dir, ExecutableName("initdb"))) && File.Exists(Path.Combine(dir, ExecutableName("pg_ctl")));

    private static string ExecutableName(string tool) => OperatingSystem.IsWindows() ? tool + ".exe" : tool;

    private static async Task<bool> IsRootAsync(CancellationToken ct)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        if (Environment.UserName == "root")
        {
            return true;
        }

        // A uid-0 account under another name is rare, but the tools would refuse it just the same.
        try
        {
            var id = await ChildProcess.RunAsync("id", ["-u"], Path.GetTempPath(), TimeSpan.FromSeconds(30), ct);
            return id.ExitCode == 0 && id.Output.Trim() == "0";
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    private static Task<ProcessResult> RunToolAsync(
        string binDir, string tool, IReadOnlyList<string> args, bool runAsSystemUser, string workingDirectory, TimeSpan timeout, CancellationToken ct)
    {
        var toolPath = Path.Combine(binDir, ExecutableName(tool));
        if (!runAsSystemUser)
        {
            return ChildProcess.RunAsync(toolPath, args, workingDirectory, timeout, ct);
        }

        List<string> wrapped = ["-u", SystemUser, "--", toolPath];
        wrapped.AddRange(args);
        return ChildProcess.RunAsync("runuser", wrapped, workingDirectory, timeout, ct);
    }

    private static void ThrowIfFailed(ProcessResult result, string what, string? hint)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"Starting the throwaway PostgreSQL server failed: {result.Describe(what)}"
                + (hint is null ? string.Empty : $"{Environment.NewLine}Hint: {hint}"));
        }
    }
}
