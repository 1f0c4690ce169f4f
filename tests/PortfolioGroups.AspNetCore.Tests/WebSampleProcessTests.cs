using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>
/// The web sample as a user runs it: a real process (`dotnet run`, or the built app), on a port the
/// user chose, answering <c>/health/ready</c> and <c>/health</c>, and stopping on SIGINT.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
[NonParallelizable] // Each run starts a web server process; they would only compete for the two cores.
public sealed class WebSampleProcessTests(Db db) : DatabaseTest(db)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Dotnet_run_serves_health_on_the_port_the_user_chose()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("The sample's process tests drive it with Unix tools (sh, kill).");
        }

        // The launch profile must not override ASPNETCORE_URLS: the sample answers on this port.
        var port = FreePort();
        await using var sample = SampleProcess.Start(
            "dotnet",
            ["run", "--no-build", "-c", Configuration(), "--project", SampleFolder()],
            Environment(port));

        var ready = await sample.WaitForHealthAsync(port, StartTimeout);
        var live = await sample.WaitForHealthAsync(port, StartTimeout, "/health");

        ready.Should().Be("Healthy", "/health/ready is the store's health check: open and migrated. " + sample.Describe());
        live.Should().Contain("\"status\":\"ok\"", "/health is the process's liveness answer of the connection contract. " + sample.Describe());
    }

    [Test]
    public async Task The_sample_stops_on_SIGINT_even_when_started_with_SIGINT_ignored()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("SIGINT is a Unix signal.");
        }

        // A shell starts a background command of a script with SIGINT ignored; `trap "" INT` does the same here.
        var port = FreePort();
        await using var sample = SampleProcess.Start(
            "sh",
            ["-c", "trap '' INT; exec dotnet \"$0\"", Path.Combine(SampleFolder(), "bin", Configuration(), "net10.0", "PortfolioGroups.WebApi.dll")],
            Environment(port));
        (await sample.WaitForHealthAsync(port, StartTimeout)).Should().Be("Healthy", sample.Describe());

        var kill = await ChildProcess.RunAsync("kill", ["-s", "INT", sample.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Path.GetTempPath(), TimeSpan.FromSeconds(30));
        kill.ExitCode.Should().Be(0, kill.ToString());

        var exited = await sample.WaitForExitAsync(StopTimeout);
        exited.Should().BeTrue($"the sample stops within {StopTimeout.TotalSeconds:0} s of SIGINT. {sample.Describe()}");
        sample.ExitCode.Should().Be(0, sample.Describe());
        sample.Output.Should().Contain("Application is shutting down", "the host stopped gracefully: " + sample.Describe());
    }

    private Dictionary<string, string?> Environment(int port) => new()
    {
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        [Db == Db.Postgres ? "ConnectionStrings__Postgres" : "ConnectionStrings__Sqlite"] = ConnectionString,
        ["Logging__LogLevel__Default"] = "Information",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private static string SampleFolder() => Path.Combine(RepositoryFiles.Root(), "samples", "PortfolioGroups.WebApi");

    // The sample is built with the tests (a project reference), in the tests' configuration.
    private static string Configuration() =>
        typeof(WebSampleProcessTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A long-running child process with its output kept; killed with its children when disposed.</summary>
    private sealed class SampleProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly string _commandLine;

        private SampleProcess(Process process, string commandLine)
        {
            _process = process;
            _commandLine = commandLine;
        }

        public int Id => _process.Id;

        public int ExitCode => _process.ExitCode;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static SampleProcess Start(string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment)
        {
            var start = new ProcessStartInfo(fileName)
            {
                WorkingDirectory = Path.GetTempPath(),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            var process = new Process { StartInfo = start };
            var sample = new SampleProcess(process, string.Join(' ', [fileName, .. arguments]));
            process.OutputDataReceived += (_, e) => sample.Append(e.Data);
            process.ErrorDataReceived += (_, e) => sample.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return sample;
        }

        /// <summary>Polls <paramref name="path"/> (by default the store's health check, <c>/health/ready</c>) on the port until the sample listens; any answer but 200 fails the test.</summary>
        public async Task<string> WaitForHealthAsync(int port, TimeSpan timeout, string path = "/health/ready")
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < timeout)
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"The sample exited before answering. {Describe()}");
                }

                try
                {
                    // The store is opened and migrated before Kestrel listens: the first answer is the real one.
                    using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"));
                    response.StatusCode.Should().Be(HttpStatusCode.OK, Describe());
                    return await response.Content.ReadAsStringAsync();
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(250);
            }

            Assert.Fail($"The sample did not answer {path} on port {port} within {timeout.TotalSeconds:0} s. {Describe()}");
            return "";
        }

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public string Describe() => $"'{_commandLine}'{(_process.HasExited ? $" exited with {_process.ExitCode}" : " is running")}.\n--- output ---\n{Output}";

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
