using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Hosting;

/// <summary>
/// The container's ways in: options from the container, from configuration (bound by generated
/// code; this suite runs with dynamic code off), and several keyed stores, on a generic host.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class ContainerTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task Options_from_the_container_use_what_the_host_registered()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (Db == Db.Postgres)
        {
            // The application's own data source (AddNpgsqlDataSource registers one the same way).
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(ConnectionString));
            builder.Services.AddPortfolioGroups((sp, o) => o.UsePostgres(sp.GetRequiredService<NpgsqlDataSource>()));
        }
        else
        {
            builder.Services.AddSingleton(new HostDatabase(ConnectionString));
            builder.Services.AddPortfolioGroups((sp, o) => o.UseSqlite(sp.GetRequiredService<HostDatabase>().ConnectionString));
        }

        using var host = builder.Build();
        await host.StartAsync();
        var store = host.Services.GetRequiredService<PortfolioStore>();
        var p = await Portfolio.AddAsync(store, Unique("di-sp"));
        (await Portfolio.GetAsync(Store, p.Uid)).UniqueIdentifier.Should().Be(p.UniqueIdentifier);
        await host.StopAsync();

        if (Db == Db.Postgres)
        {
            // The store used the container's data source and left it open for its owner.
            await using var connection = await host.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
            connection.State.Should().Be(System.Data.ConnectionState.Open);
        }
    }

    [Test]
    public async Task Options_bound_from_configuration_open_the_named_connection_and_schema()
    {
        var schema = Db == Db.Postgres ? "from_config" : null;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Portfolios"] = ConnectionString,
            ["PortfolioGroups:Provider"] = Db == Db.Postgres ? "Postgres" : "Sqlite",
            ["PortfolioGroups:ConnectionStringName"] = "Portfolios",
            ["PortfolioGroups:Schema"] = schema,
            ["PortfolioGroups:MigrateOnStart"] = "true",
            ["PortfolioGroups:SlowCommandThreshold"] = "00:00:02",
            ["PortfolioGroups:SqliteSynchronous"] = "Normal",
        });
        builder.Services.AddPortfolioGroups(builder.Configuration.GetSection(PortfolioGroups.Hosting.PortfolioGroupsOptions.ConfigurationSectionName));

        using var host = builder.Build();
        await host.StartAsync();
        var store = host.Services.GetRequiredService<PortfolioStore>();
        var options = host.Services.GetRequiredService<PortfolioGroups.Hosting.PortfolioGroupsOptions>();
        options.SlowCommandThreshold.Should().Be(TimeSpan.FromSeconds(2));
        options.Store.SqliteSynchronous.Should().Be(SqliteSynchronousMode.Normal);
        store.DatabaseKind.Should().Be(Db == Db.Postgres ? DatabaseKind.Postgres : DatabaseKind.Sqlite);
        store.Schema.Should().Be(schema);
        (await store.GetMigrationStatusAsync()).IsUpToDate.Should().BeTrue();
        await Portfolio.AddAsync(store, Unique("di-config"));
        await host.StopAsync();
    }

    [Test]
    public async Task A_bad_configuration_value_fails_the_start_naming_the_key()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PortfolioGroups:Provider"] = "Oracle",
            ["PortfolioGroups:ConnectionString"] = ConnectionString,
        });
        builder.Services.AddPortfolioGroups(builder.Configuration.GetSection("PortfolioGroups"));
        using var host = builder.Build();

        var start = () => host.StartAsync();
        var thrown = await start.Should().ThrowAsync<InvalidValueException>();
        thrown.Which.Field.Should().Be("PortfolioGroups:Provider");
        thrown.Which.Message.Should().Contain("Oracle");
    }

    [Test]
    public async Task The_membership_partitions_come_from_configuration_and_a_bad_count_names_the_key()
    {
        var database = await NewDatabaseAsync();
        IHost Build(string partitions)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PortfolioGroups:Provider"] = Db.ToString(),
                ["PortfolioGroups:ConnectionString"] = database,
                ["PortfolioGroups:Schema"] = Db == Db.Postgres ? "partitions_from_config" : null,
                ["PortfolioGroups:MigrateOnStart"] = "true",
                ["PortfolioGroups:PostgresMembershipPartitions"] = partitions,
            });
            builder.Services.AddPortfolioGroups(builder.Configuration.GetSection("PortfolioGroups"));
            return builder.Build();
        }

        using (var tooMany = Build("1025"))
        {
            var start = () => tooMany.StartAsync();
            var thrown = await start.Should().ThrowAsync<InvalidValueException>();
            thrown.Which.Field.Should().Be("PortfolioGroups:PostgresMembershipPartitions");
            thrown.Which.Message.Should().Contain("1025");
        }

        using var host = Build("4");
        if (Db == Db.Sqlite)
        {
            // SQLite has no partitioned tables: refused before anything is opened.
            var start = () => host.StartAsync();
            (await start.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("PostgresMembershipPartitions");
            return;
        }

        await host.StartAsync();
        var store = host.Services.GetRequiredService<PortfolioStore>();
        var group = await PortfolioGroup.AddAsync(store, Unique("partitioned"), "Partitioned");
        await group.AddPortfolioAsync(await Portfolio.AddAsync(store, Unique("partitioned-p")));
        await using (var data = NpgsqlDataSource.Create(database))
        await using (var count = data.CreateCommand(
            "SELECT count(*) FROM pg_inherits h WHERE h.inhparent = '\"partitions_from_config\".portfolio_group_membership'::regclass"))
        {
            ((long)(await count.ExecuteScalarAsync())!).Should().Be(4);
        }

        (await group.GetPortfoliosAsync()).Should().ContainSingle();
        await host.StopAsync();
    }

    [Test]
    public async Task Options_from_the_container_that_name_no_database_fail_the_start()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddPortfolioGroups((_, o) => o.MigrateOnStart = true);
        using var host = builder.Build();

        var start = () => host.StartAsync();
        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*UseSqlite*UsePostgres*");
    }

    [Test]
    public async Task Keyed_stores_each_have_their_own_database_lifetime_and_health_check()
    {
        var second = await NewDatabaseAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reports:Provider"] = Db.ToString(),
            ["Reports:ConnectionString"] = second,
            ["Reports:MigrateOnStart"] = "true",
        });
        builder.Services.AddKeyedPortfolioGroups("main", (_, o) => Use(o, ConnectionString));
        builder.Services.AddKeyedPortfolioGroups("reports", builder.Configuration.GetSection("Reports"));
        builder.Services.AddHealthChecks().AddKeyedPortfolioGroups("main").AddKeyedPortfolioGroups("reports");

        using var host = builder.Build();
        await host.StartAsync();
        var main = host.Services.GetRequiredKeyedService<PortfolioStore>("main");
        var reports = host.Services.GetRequiredKeyedService<PortfolioStore>("reports");
        main.Should().NotBeSameAs(reports);

        var onlyInReports = Unique("keyed");
        await Portfolio.AddAsync(reports, onlyInReports);
        (await Portfolio.FindAsync(reports, onlyInReports)).Should().NotBeNull();
        (await Portfolio.FindAsync(main, onlyInReports)).Should().BeNull("each key is its own database");

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        report.Entries.Keys.Should().BeEquivalentTo(["portfoliogroups-main", "portfoliogroups-reports"]);
        report.Entries.Values.Should().OnlyContain(e => e.Status == HealthStatus.Healthy);

        await host.StopAsync();
        await main.Invoking(s => Portfolio.FindAsync(s, onlyInReports)).Should().ThrowAsync<ObjectDisposedException>();
        await reports.Invoking(s => Portfolio.FindAsync(s, onlyInReports)).Should().ThrowAsync<ObjectDisposedException>();
    }

    private void Use(PortfolioGroups.Hosting.PortfolioGroupsOptions options, string connectionString)
    {
        if (Db == Db.Sqlite)
        {
            options.UseSqlite(connectionString);
        }
        else
        {
            options.UsePostgres(connectionString);
        }
    }

    /// <summary>A host's own service holding its connection string.</summary>
    private sealed record HostDatabase(string ConnectionString);
}
