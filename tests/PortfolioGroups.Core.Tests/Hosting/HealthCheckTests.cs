using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Hosting;

[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class HealthCheckTests(Db db) : HostedStoreTest(db)
{
    [Test]
    public async Task A_started_host_on_a_migrated_database_is_healthy()
    {
        using var host = BuildHealthCheckedHost(ConnectionString);
        await host.StartAsync();

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Description.Should().Contain($"current at version {PortfolioStore.LibraryMigrationVersions[^1]}");
        entry.Data["current_version"].Should().Be(PortfolioStore.LibraryMigrationVersions[^1]);
        await host.StopAsync();
    }

    [Test]
    public async Task An_unmigrated_database_is_unhealthy_naming_the_pending_versions()
    {
        using var host = BuildHealthCheckedHost(await NewDatabaseAsync());
        await host.StartAsync();

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain("not current").And.Contain("no migration applied")
            .And.Contain(string.Join(", ", PortfolioStore.LibraryMigrationVersions));
        await host.StopAsync();
    }

    [Test]
    public async Task The_failure_status_of_the_registration_is_used_for_pending_migrations()
    {
        using var host = BuildHost(await NewDatabaseAsync(), services: s => s.AddHealthChecks().AddPortfolioGroups(failureStatus: HealthStatus.Degraded));
        await host.StartAsync();

        (await CheckAsync(host)).Status.Should().Be(HealthStatus.Degraded);
        await host.StopAsync();
    }

    [Test]
    public async Task A_schema_migrated_by_a_newer_library_is_degraded_naming_the_version()
    {
        var connectionString = await NewDatabaseAsync();
        using var host = BuildHealthCheckedHost(connectionString, migrate: true);
        await host.StartAsync();
        const long future = 2099010101;
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO {Table("portfoliogroups_version_info")} (version, applied_on, description) VALUES ({future}, CURRENT_TIMESTAMP, 'from the future')";
            await insert.ExecuteNonQueryAsync();
        }

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Description.Should().Contain($"at version {future}, newer than this library's latest, {PortfolioStore.LibraryMigrationVersions[^1]}");
        await host.StopAsync();
    }

    [Test]
    public async Task Before_start_and_after_stop_the_check_says_the_store_is_not_open()
    {
        using var host = BuildHealthCheckedHost(ConnectionString);

        var before = await CheckAsync(host);
        await host.StartAsync();
        await host.StopAsync();
        var after = await CheckAsync(host);

        before.Status.Should().Be(HealthStatus.Unhealthy);
        before.Description.Should().Contain("not open");
        after.Status.Should().Be(HealthStatus.Unhealthy);
        after.Description.Should().Contain("not open");
    }

    private IHost BuildHealthCheckedHost(string connectionString, bool migrate = false) =>
        BuildHost(connectionString, o => o.MigrateOnStart = migrate, s => s.AddHealthChecks().AddPortfolioGroups());

    internal static async Task<HealthReportEntry> CheckAsync(IHost host)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["portfoliogroups"];
    }
}
