using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Hosting;

/// <summary>
/// The <c>PortfolioGroups</c> meter, read with a real <see cref="MeterListener"/>, and the store's
/// logging through a real logger provider. Non-parallel: the meter is process-wide, so commands of
/// fixtures running alongside would show up in the counts.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
[NonParallelizable]
public sealed class TelemetryTests(Db db) : HostedStoreTest(db)
{
    private string System => Db == Db.Sqlite ? "sqlite" : "postgresql";

    [Test]
    public async Task Each_command_is_counted_and_timed_with_its_operation_and_database()
    {
        using var meter = new Recorder();

        var portfolio = await Portfolio.AddAsync(Store, Unique("metered"));
        await Portfolio.GetAsync(Store, portfolio.Uid);

        var commands = meter.Of("portfoliogroups.commands");
        commands.Select(m => (m.Operation, m.System, m.Value)).Should().Equal(("portfolio.add", System, 1d), ("portfolio.get", System, 1d));
        var durations = meter.Of("portfoliogroups.command.duration");
        durations.Select(m => m.Operation).Should().Equal("portfolio.add", "portfolio.get");
        durations.Should().OnlyContain(m => m.Value > 0 && m.Value < 60, "durations are in seconds");
        meter.Of("portfoliogroups.command.errors").Should().BeEmpty();
        meter.Units.Should().Contain(new KeyValuePair<string, string?>("portfoliogroups.command.duration", "s"));
    }

    [Test]
    public async Task A_failed_command_is_counted_as_an_error_with_its_type()
    {
        var identifier = Unique("dup");
        await Portfolio.CreateAsync(Store, identifier);
        using var meter = new Recorder();

        await FluentActions.Awaiting(() => Portfolio.CreateAsync(Store, identifier)).Should().ThrowAsync<DuplicateKeyException>();

        var error = meter.Of("portfoliogroups.command.errors").Should().ContainSingle().Subject;
        error.Operation.Should().Be("portfolio.create");
        error.ErrorType.Should().Be(Db == Db.Sqlite ? "Microsoft.Data.Sqlite.SqliteException" : "Npgsql.PostgresException");
        meter.Of("portfoliogroups.commands").Should().ContainSingle().Which.ErrorType.Should().Be(error.ErrorType);
        meter.Of("portfoliogroups.command.duration").Should().ContainSingle().Which.ErrorType.Should().Be(error.ErrorType);
    }

    [Test]
    public async Task A_stream_is_one_command_however_many_rows_it_yields()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("streamed"), "Streamed");
        for (var i = 0; i < 3; i++)
        {
            await group.AddPortfolioAsync(await Portfolio.AddAsync(Store, Unique($"streamed-{i}")));
        }

        using var meter = new Recorder();
        var count = 0;
        await foreach (var _ in PortfolioGroup.StreamPortfoliosAsync(Store, group))
        {
            count++;
        }

        count.Should().Be(3);
        meter.Of("portfoliogroups.commands").Should().ContainSingle();
        meter.Of("portfoliogroups.command.duration").Should().ContainSingle();
    }

    [Test]
    public async Task Slow_commands_opening_and_migrations_are_logged_through_the_host_logger()
    {
        var capture = new CapturingLoggerProvider();
        var connectionString = await NewDatabaseAsync();
        using var host = BuildHost(
            connectionString,
            o =>
            {
                o.MigrateOnStart = true;
                o.SlowCommandThreshold = TimeSpan.Zero;
            },
            s => s.AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));

        await host.StartAsync();
        await Portfolio.AddAsync(host.Services.GetRequiredService<PortfolioStore>(), "logged");
        await host.StopAsync();

        var entries = capture.Entries.Where(e => e.Category.StartsWith("PortfolioGroups", StringComparison.Ordinal)).ToList();
        var opened = entries.Should().ContainSingle(e => e.EventId.Name == "StoreOpened").Subject;
        opened.Category.Should().Be("PortfolioGroups.Store");
        opened.Message.Should().Contain(System);
        var migrated = entries.Should().ContainSingle(e => e.EventId.Name == "MigrationsApplied").Subject;
        migrated.Message.Should().Contain(string.Join(", ", PortfolioStore.LibraryMigrationVersions));
        var slow = entries.Where(e => e.EventId.Name == "SlowCommand").ToList();
        slow.Should().OnlyContain(e => e.Category == "PortfolioGroups.Commands" && e.Level == LogLevel.Warning);
        slow.Should().Contain(e => e.Message.Contains("portfolio.add", StringComparison.Ordinal) && e.Message.Contains("threshold 0.0 ms", StringComparison.Ordinal));
        slow.Select(e => e.State.Single(kv => kv.Key == "Operation").Value).Should().Contain("migrate.status");
    }

    [Test]
    public async Task Without_a_threshold_no_command_is_logged()
    {
        var capture = new CapturingLoggerProvider();
        using var host = BuildHost(
            ConnectionString,
            o => o.SlowCommandThreshold = null,
            s => s.AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));

        await host.StartAsync();
        await Portfolio.AddAsync(host.Services.GetRequiredService<PortfolioStore>(), Unique("quiet"));
        await host.StopAsync();

        capture.Entries.Should().Contain(e => e.EventId.Name == "StoreOpened");
        capture.Entries.Should().NotContain(e => e.EventId.Name == "SlowCommand");
    }

    [Test]
    public void A_negative_threshold_is_refused_naming_the_option()
    {
        var set = () => new PortfolioStoreOptions { SlowCommandThreshold = TimeSpan.FromMilliseconds(-1) };

        set.Should().Throw<InvalidValueException>().Which.Field.Should().Be("SlowCommandThreshold");
    }

    /// <summary>One measurement of the PortfolioGroups meter.</summary>
    private sealed record Measurement(string Instrument, double Value, string? Operation, string? System, string? ErrorType);

    /// <summary>Listens to the PortfolioGroups meter from construction to disposal.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<Measurement> _measurements = [];

        public Recorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "PortfolioGroups")
                {
                    Units[instrument.Name] = instrument.Unit;
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        public Dictionary<string, string?> Units { get; } = [];

        public IReadOnlyList<Measurement> Of(string instrument)
        {
            lock (_measurements)
            {
                return [.. _measurements.Where(m => m.Instrument == instrument)];
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? Tag(string name, ReadOnlySpan<KeyValuePair<string, object?>> all)
            {
                foreach (var tag in all)
                {
                    if (tag.Key == name)
                    {
                        return tag.Value as string;
                    }
                }

                return null;
            }

            var measurement = new Measurement(instrument.Name, value, Tag("db.operation.name", tags), Tag("db.system.name", tags), Tag("error.type", tags));
            lock (_measurements)
            {
                _measurements.Add(measurement);
            }
        }
    }
}
