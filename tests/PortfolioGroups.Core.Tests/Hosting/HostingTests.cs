using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PortfolioGroups.Hosting;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Hosting;

[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class HostingTests(Db db) : HostedStoreTest(db)
{
    [Test]
    public async Task The_store_is_opened_at_start_and_resolves_as_one_singleton_that_works()
    {
        var connectionString = await NewDatabaseAsync();
        using var host = BuildHost(connectionString, o => o.MigrateOnStart = true);

        await host.StartAsync();
        var store = host.Services.GetRequiredService<PortfolioStore>();
        var group = await PortfolioGroup.AddAsync(store, "crypto", "Crypto");
        await group.AddPortfolioAsync(await Portfolio.AddAsync(store, "btc"));

        host.Services.GetRequiredService<PortfolioStore>().Should().BeSameAs(store);
        store.DatabaseKind.Should().Be(Db == Db.Sqlite ? DatabaseKind.Sqlite : DatabaseKind.Postgres);
        (await group.GetPortfoliosAsync()).Select(p => p.UniqueIdentifier).Should().Equal("btc");
        await host.StopAsync();
    }

    [Test]
    public async Task Resolving_the_store_before_the_host_started_says_so()
    {
        using var host = BuildHost(ConnectionString);

        var resolve = () => host.Services.GetRequiredService<PortfolioStore>();

        resolve.Should().Throw<InvalidOperationException>().WithMessage("*opened when the host starts*resolved before that*");
        await host.StartAsync();
        resolve().Should().NotBeNull("a failed early resolve is not cached by the container");
        await host.StopAsync();
    }

    [Test]
    public async Task Other_hosted_services_find_the_store_open_when_they_start()
    {
        var seen = new StoreSeenAtStart();
        using var host = BuildHost(ConnectionString, services: s =>
        {
            s.AddSingleton(seen);
            s.AddHostedService<StoreUsingService>();
        });

        await host.StartAsync();

        seen.Migrated.Should().BeTrue("the hosted service ran a query on the open store in its StartAsync");
        await host.StopAsync();
    }

    [Test]
    public async Task Without_MigrateOnStart_the_store_opens_without_migrating()
    {
        var connectionString = await NewDatabaseAsync();
        using var host = BuildHost(connectionString);

        await host.StartAsync();
        var status = await host.Services.GetRequiredService<PortfolioStore>().GetMigrationStatusAsync();

        status.AppliedVersions.Should().BeEmpty();
        status.PendingVersions.Should().NotBeEmpty();
        await host.StopAsync();
    }

    [Test]
    public async Task With_MigrateOnStart_every_migration_is_applied_at_start()
    {
        var connectionString = await NewDatabaseAsync();
        using var host = BuildHost(connectionString, o => o.MigrateOnStart = true);

        await host.StartAsync();
        var status = await host.Services.GetRequiredService<PortfolioStore>().GetMigrationStatusAsync();

        status.IsUpToDate.Should().BeTrue();
        status.AppliedVersions.Should().NotBeEmpty();
        await host.StopAsync();
    }

    [Test]
    public async Task Stopping_the_host_disposes_the_store()
    {
        using var host = BuildHost(ConnectionString);
        await host.StartAsync();
        var store = host.Services.GetRequiredService<PortfolioStore>();

        await host.StopAsync();

        await FluentActions.Awaiting(() => Portfolio.GetAsync(store, "anything")).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task A_synchronous_dispose_of_the_service_provider_disposes_the_store_without_throwing()
    {
        var services = new ServiceCollection().AddPortfolioGroups(o => UseDatabase(o, ConnectionString));
        var provider = services.BuildServiceProvider();
        await StartHostedServicesAsync(provider);
        var store = provider.GetRequiredService<PortfolioStore>();
        (await store.GetMigrationStatusAsync()).IsUpToDate.Should().BeTrue();

        provider.Invoking(p => p.Dispose()).Should().NotThrow();

        await FluentActions.Awaiting(() => store.GetMigrationStatusAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task An_asynchronous_dispose_of_the_service_provider_disposes_the_store()
    {
        var services = new ServiceCollection().AddPortfolioGroups(o => UseDatabase(o, ConnectionString));
        var provider = services.BuildServiceProvider();
        await StartHostedServicesAsync(provider);
        var store = provider.GetRequiredService<PortfolioStore>();

        await provider.DisposeAsync();

        await FluentActions.Awaiting(() => store.GetMigrationStatusAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task Disposing_a_started_host_without_stopping_it_disposes_the_store()
    {
        var host = BuildHost(ConnectionString);
        await host.StartAsync();
        var store = host.Services.GetRequiredService<PortfolioStore>();

        host.Invoking(h => h.Dispose()).Should().NotThrow();

        await FluentActions.Awaiting(() => store.GetMigrationStatusAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task A_store_that_fails_to_open_fails_the_host_start_and_says_why_when_resolved()
    {
        var connectionString = await NewDatabaseAsync();
        using var host = BuildHost(connectionString, o => o.Store = o.Store with { PostgresSchema = "pg_not_allowed", SqliteCacheSizeKiB = -1 });

        var start = () => host.StartAsync();

        var failure = (await start.Should().ThrowAsync<InvalidValueException>()).Which;
        host.Invoking(h => h.Services.GetRequiredService<PortfolioStore>()).Should().Throw<InvalidOperationException>()
            .WithMessage("*could not be opened when the host started*").WithInnerException<InvalidValueException>()
            .Which.Should().BeSameAs(failure);
    }

    [Test]
    public void A_registration_without_a_database_is_refused_when_it_is_made()
    {
        var register = () => new ServiceCollection().AddPortfolioGroups(o => o.MigrateOnStart = true);

        register.Should().Throw<InvalidOperationException>().WithMessage("*UseSqlite*UsePostgres*");
    }

    [Test]
    public void Registering_twice_adds_one_store_and_one_hosted_service()
    {
        var services = new ServiceCollection()
            .AddPortfolioGroups(o => UseDatabase(o, ConnectionString))
            .AddPortfolioGroups(o => UseDatabase(o, ConnectionString));

        services.Count(d => d.ServiceType == typeof(PortfolioStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService)).Should().Be(1);
    }

    [Test]
    public async Task Registering_twice_with_different_options_keeps_the_first_call()
    {
        var first = await NewDatabaseAsync();
        var second = await NewDatabaseAsync();
        using var host = BuildHost(first, o => o.MigrateOnStart = true, services => services.AddPortfolioGroups(o =>
        {
            UseDatabase(o, second);
            o.MigrateOnStart = false;
        }));

        await host.StartAsync();
        var store = host.Services.GetRequiredService<PortfolioStore>();
        (await store.GetMigrationStatusAsync()).PendingVersions.Should().BeEmpty("the first call asked to migrate at start; the second did not");
        await PortfolioGroup.AddAsync(store, "first-wins", "First");
        await host.StopAsync();

        await using (var onFirst = await OpenStoreAsync(first))
        {
            (await PortfolioGroup.FindAsync(onFirst, "first-wins")).Should().NotBeNull("the store is on the first call's database");
        }

        await using (var onSecond = await OpenStoreAsync(second, new PortfolioStoreOptions { MigrateOnOpen = false }))
        {
            (await onSecond.GetMigrationStatusAsync()).CurrentVersion.Should().Be(0, "nothing touched the second call's database");
        }
    }

    /// <summary>What a generic host does at start, for a bare service provider.</summary>
    private static async Task StartHostedServicesAsync(IServiceProvider provider)
    {
        foreach (var service in provider.GetServices<IHostedService>())
        {
            if (service is IHostedLifecycleService lifecycle)
            {
                await lifecycle.StartingAsync(CancellationToken.None);
            }

            await service.StartAsync(CancellationToken.None);
        }
    }

    private sealed class StoreSeenAtStart
    {
        public bool Migrated { get; set; }
    }

    private sealed class StoreUsingService(IServiceProvider services, StoreSeenAtStart seen) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var store = services.GetRequiredService<PortfolioStore>();
            seen.Migrated = (await store.GetMigrationStatusAsync(cancellationToken)).IsUpToDate;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
