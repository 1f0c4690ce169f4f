using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using PortfolioGroups.Hosting;
using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Hosting;

/// <summary>docs/hosting.md shows the code these tests run, line for line.</summary>
public sealed class HostingDocsTests : TempFolderTest
{
    [Test]
    public async Task The_registration_shown_in_the_hosting_guide_runs_and_does_what_it_says()
    {
        var connectionString = $"Data Source={Path.Combine(Folder, "portfolios.db")}";

        // <registration>
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddPortfolioGroups(o =>
        {
            o.UseSqlite(connectionString);       // or o.UsePostgres(connectionString or an NpgsqlDataSource)
            o.MigrateOnStart = true;             // off by default: migrating is usually a deployment step
            o.SlowCommandThreshold = TimeSpan.FromMilliseconds(500);
            o.Store = o.Store with { SqliteSynchronous = SqliteSynchronousMode.Normal };
        });
        builder.Services.AddHealthChecks().AddPortfolioGroups();

        using var host = builder.Build();
        await host.StartAsync();                 // opens the store, applies pending migrations

        var store = host.Services.GetRequiredService<PortfolioStore>();
        var crypto = await PortfolioGroup.AddAsync(store, "crypto", "Crypto portfolios");
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        await host.StopAsync();                  // disposes the store
        // </registration>

        crypto.UniqueIdentifier.Should().Be("crypto");
        health.Status.Should().Be(HealthStatus.Healthy);
        host.Services.GetRequiredService<PortfolioGroupsOptions>().Store.SlowCommandThreshold.Should().Be(TimeSpan.FromMilliseconds(500));
        host.Services.GetRequiredService<PortfolioGroupsOptions>().Store.SqliteSynchronous.Should().Be(SqliteSynchronousMode.Normal);
        await FluentActions.Awaiting(() => store.GetMigrationStatusAsync()).Should().ThrowAsync<ObjectDisposedException>();
        Shown("## Registration").Should().Be(Ran("registration"));
    }

    [Test]
    public async Task The_json_shown_in_the_hosting_guide_is_what_the_serializer_writes()
    {
        await using var store = await PortfolioStore.OpenSqliteAsync($"Data Source={Path.Combine(Folder, "json.db")}");
        var btc = await Portfolio.CreateAsync(store, "btc-momentum", "BTC momentum", uid: Guid.Parse("01938c1e-0000-7000-8000-000000000001"));
        var eth = await Portfolio.CreateAsync(store, "eth-carry", uid: Guid.Parse("01938c1e-0000-7000-8000-000000000002"));

        // <json>
        var page = await Portfolio.FilterPageAsync(store, null, PageRequest.First(1));
        var json = JsonSerializer.Serialize(page, PortfolioGroupsJsonContext.Default.PagePortfolio);
        // </json>

        btc.Should().NotBeNull();
        eth.Should().NotBeNull();
        Shown("## JSON").Should().Be(Ran("json"));
        RepositoryFiles.Between(Section("## JSON"), "```json\n", "```\n").Should().Be(json + "\n");
    }

    private static string Guide() => File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "hosting.md"));

    /// <summary>The guide's section under <paramref name="heading"/>, up to the next heading or the end.</summary>
    private static string Section(string heading) => RepositoryFiles.Between(Guide() + "\n## ", heading, "\n## ");

    private static string Shown(string heading) => RepositoryFiles.Between(Section(heading), "```csharp\n", "```\n");

    private static string Ran(string region)
    {
        var source = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "tests", "PortfolioGroups.Core.Tests", "Hosting", "HostingDocsTests.cs")).ReplaceLineEndings("\n");
        var lines = RepositoryFiles.Between(source, $"// <{region}>\n", $"        // </{region}>").Split('\n');
        return string.Join("\n", lines.Select(l => l.Length >= 8 ? l[8..] : l.TrimStart()));
    }
}
