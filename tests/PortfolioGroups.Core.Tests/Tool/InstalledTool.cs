using System.Runtime.InteropServices;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Tool;

/// <summary>
/// The `portfolio-groups` tool as a user gets it: installed ONCE per test run with
/// `dotnet tool install --tool-path` from the packed feed (<see cref="PackedPackages"/>), then run as
/// a real process.
/// </summary>
internal static class InstalledTool
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);
    private static readonly Lazy<Task<string>> s_executable = new(InstallAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Runs the tool with <paramref name="arguments"/> in <paramref name="workingDirectory"/>, with <paramref name="environment"/> added.</summary>
    public static async Task<ProcessResult> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var executable = await s_executable.Value;
        var variables = new Dictionary<string, string?>
        {
            // The apphost finds the runtime that runs the tests, wherever it is installed.
            ["DOTNET_ROOT"] = DotnetRoot(),
            // Nothing of the test process's own environment chooses the database.
            ["PORTFOLIOGROUPS_CONNECTION"] = null,
            ["PORTFOLIOGROUPS_PROVIDER"] = null,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        return await ChildProcess.RunAsync(executable, arguments, workingDirectory, RunTimeout, variables);
    }

    /// <summary>
    /// Runs a shell script (<c>sh -e</c>: it stops at the first failing command) in
    /// <paramref name="workingDirectory"/>, with the installed tool on PATH as <c>portfolio-groups</c>,
    /// as a user's terminal has it after <c>dotnet tool install</c>.
    /// </summary>
    public static async Task<ProcessResult> ShellAsync(string workingDirectory, string script)
    {
        var executable = await s_executable.Value;
        var variables = new Dictionary<string, string?>
        {
            ["DOTNET_ROOT"] = DotnetRoot(),
            ["PATH"] = Path.GetDirectoryName(executable) + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["PORTFOLIOGROUPS_CONNECTION"] = null,
            ["PORTFOLIOGROUPS_PROVIDER"] = null,
        };
        return await ChildProcess.RunAsync("sh", ["-e", "-c", script], workingDirectory, RunTimeout, variables);
    }

    private static async Task<string> InstallAsync()
    {
        var packed = await PackedPackages.GetAsync();
        var toolPath = Path.Combine(Path.GetTempPath(), "portfoliogroups-tests", "tool-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(toolPath);
        RunCleanup.DeleteAtEnd(toolPath);
        var install = await ChildProcess.RunAsync("dotnet", packed.ToolInstallArguments(toolPath), toolPath, InstallTimeout);
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException(install.Describe("Installing the tool from the packed feed failed"));
        }

        var executable = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "portfolio-groups.exe" : "portfolio-groups");
        return File.Exists(executable) ? executable : throw new InvalidOperationException($"{install}\nThe install left no {executable}.");
    }

    private static string DotnetRoot() =>
        // .../dotnet/shared/Microsoft.NETCore.App/<version>/ -> .../dotnet
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
}
