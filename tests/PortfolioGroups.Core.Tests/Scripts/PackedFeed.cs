using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>
/// The packed library in artifacts/packages, packed once per test run, and the environment that
/// makes a restore take that pack: NuGet keeps the first copy of a version it extracts, so the
/// runs use a packages folder of their own, from which the library's own package is removed after
/// each pack (its dependencies stay, so they are downloaded once).
/// </summary>
internal static class PackedFeed
{
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static IReadOnlyDictionary<string, string>? s_environment;

    /// <summary>The folder the packages are packed into.</summary>
    public static string Directory => Path.Combine(RepositoryFiles.Root(), "artifacts", "packages");

    public static async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync()
    {
        await s_gate.WaitAsync();
        try
        {
            if (s_environment is not null)
            {
                return s_environment;
            }

            var root = RepositoryFiles.Root();
            var pack = await ChildProcess.RunAsync(
                "dotnet",
                ["pack", Path.Combine(root, "src", "PortfolioGroups.Core"), "-c", "Release", "-o", Directory],
                root,
                TimeSpan.FromMinutes(10));
            pack.ExitCode.Should().Be(0, pack.Describe("packing the library"));

            var packagesFolder = Path.Combine(root, "artifacts", "nuget-packages");
            var stale = Path.Combine(packagesFolder, "portfoliogroups.core");
            if (System.IO.Directory.Exists(stale))
            {
                System.IO.Directory.Delete(stale, recursive: true);
            }

            s_environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packagesFolder };
            return s_environment;
        }
        finally
        {
            s_gate.Release();
        }
    }
}
