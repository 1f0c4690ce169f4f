using System.Diagnostics;

namespace PortfolioGroups.Tests.Support;

/// <summary>What a finished child process left behind.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string Output, string Error)
{
    /// <summary>Everything a failure message needs: the command, its exit code, its output and its errors.</summary>
    public override string ToString() =>
        $"'{CommandLine}' exited with {ExitCode}.\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";

    /// <summary>The same, for a step named <paramref name="what"/>.</summary>
    public string Describe(string what) => $"{what}: {this}";
}

/// <summary>
/// Runs a real process to its end, with a deadline, and keeps its output. Arguments go through
/// ArgumentList (no shell quoting). The working directory matters for processes run as another
/// user (the PostgreSQL tools run as postgres): that user must be able to enter it.
/// </summary>
internal static class ChildProcess
{
    public static Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, CancellationToken ct = default) =>
        RunAsync(fileName, arguments, workingDirectory, timeout, environment: null, ct);

    /// <summary>The same, with <paramref name="environment"/> set in (or, for a null value, removed from) the child's environment.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, CancellationToken ct = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A nested `dotnet build` must not leave MSBuild nodes or a build server behind: they would
        // hold the redirected output open after the command itself has ended.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            // A null value removes the variable from the child's environment.
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var commandLine = string.Join(' ', [fileName, .. arguments]);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"'{commandLine}' did not start.");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                ct.ThrowIfCancellationRequested();
                throw new TimeoutException($"'{commandLine}' did not finish within {timeout.TotalMinutes:0} minutes.\n--- stdout ---\n{await output}\n--- stderr ---\n{await error}");
            }
        }

        return new ProcessResult(commandLine, process.ExitCode, (await output).ReplaceLineEndings("\n"), (await error).ReplaceLineEndings("\n"));
    }
}
