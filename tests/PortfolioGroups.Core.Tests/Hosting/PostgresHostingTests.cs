using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Hosting;

/// <summary>What only PostgreSQL has: a caller's data source, and a server that can be unreachable while the store is open.</summary>
[TestFixture(Db.Postgres)]
public sealed class PostgresHostingTests(Db db) : HostedStoreTest(db)
{
    [Test]
    public async Task A_Postgres_data_source_passed_in_stays_open_after_the_host_stops()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddPortfolioGroups(o => o.UsePostgres(dataSource));
        using (var host = builder.Build())
        {
            await host.StartAsync();
            (await host.Services.GetRequiredService<PortfolioStore>().GetMigrationStatusAsync()).IsUpToDate.Should().BeTrue();
            await host.StopAsync();
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        connection.State.Should().Be(System.Data.ConnectionState.Open);
    }

    [Test]
    public async Task An_unreachable_database_is_unhealthy_with_the_reason()
    {
        // Port 1 on loopback: nothing listens there, so connecting is refused at once.
        var unreachable = new NpgsqlConnectionStringBuilder(ConnectionString) { Port = 1, Timeout = 5 }.ConnectionString;
        using var host = BuildHost(unreachable, services: s => s.AddHealthChecks().AddPortfolioGroups());
        await host.StartAsync();

        var entry = await HealthCheckTests.CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain("PostgreSQL database cannot be reached").And.Contain("while opening a connection").And.NotContain("write");
        entry.Exception.Should().NotBeNull();
        await host.StopAsync();
    }
}
