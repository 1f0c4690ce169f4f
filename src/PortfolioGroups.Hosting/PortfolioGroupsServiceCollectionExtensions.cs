using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PortfolioGroups;
using PortfolioGroups.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PortfolioGroups in a service collection.</summary>
public static class PortfolioGroupsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="PortfolioStore"/> singleton that is opened once, asynchronously, when
    /// the host starts, and disposed asynchronously when it stops.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Chooses the database (<c>o.UseSqlite(cs)</c> or <c>o.UsePostgres(cs or dataSource)</c>) and the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <remarks>
    /// <para>
    /// A hosted service opens the store in <see cref="IHostedLifecycleService.StartingAsync"/>, so it
    /// is open before other hosted services start and before a web server serves. Resolving
    /// <see cref="PortfolioStore"/> before the host has started throws an
    /// <see cref="InvalidOperationException"/> that says so. Pending migrations are applied at start
    /// only with <see cref="PortfolioGroupsOptions.MigrateOnStart"/>.
    /// </para>
    /// <para>
    /// Registrations use <c>TryAdd*</c>: the first call wins and later calls add nothing. Works in any
    /// generic host (a worker service, a console app); nothing here needs ASP.NET Core.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The options name no database.</exception>
    public static IServiceCollection AddPortfolioGroups(this IServiceCollection services, Action<PortfolioGroupsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        var options = new PortfolioGroupsOptions();
        configure(options);
        options.Validate();

        services.TryAddSingleton(options);
        return Register(services, _ => options);
    }

    /// <summary>
    /// Registers a <see cref="PortfolioStore"/> singleton, like <see cref="AddPortfolioGroups(IServiceCollection, Action{PortfolioGroupsOptions})"/>,
    /// configured with the container's services: the application's own <c>NpgsqlDataSource</c>, say.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">
    /// Called once, when the host starts, with the container: for example
    /// <c>(sp, o) =&gt; o.UsePostgres(sp.GetRequiredService&lt;NpgsqlDataSource&gt;())</c>.
    /// </param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <remarks>Options that name no database fail the host's start with an <see cref="InvalidOperationException"/>.</remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddPortfolioGroups(this IServiceCollection services, Action<IServiceProvider, PortfolioGroupsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.TryAddSingleton(static sp => sp.GetRequiredService<PortfolioStoreLifetime>().Options);
        return Register(services, sp => Configure(sp, configure));
    }

    /// <summary>
    /// Registers a <see cref="PortfolioStore"/> singleton configured from a configuration section,
    /// usually <c>builder.Configuration.GetSection("PortfolioGroups")</c> (<see cref="PortfolioGroupsOptions.ConfigurationSectionName"/>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">
    /// The section: <c>Provider</c> (<c>Sqlite</c> or <c>Postgres</c>), <c>ConnectionString</c> or
    /// <c>ConnectionStringName</c> (a name under the host's <c>ConnectionStrings</c>), <c>Schema</c>,
    /// <c>MigrateOnStart</c>, <c>SlowCommandThreshold</c>, <c>SqliteSynchronous</c>, <c>SqliteCacheSizeKiB</c>,
    /// <c>PostgresReads</c>, <c>ReadYourWrites</c>, <c>ReplicaWaitTimeout</c>, and a
    /// <c>PortfolioTable</c> section (<c>Table</c>, <c>UidColumn</c>, <c>UniqueIdentifierColumn</c>, <c>DisplayNameColumn</c>,
    /// <c>Schema</c>) for a host's portfolio table (<see cref="PortfolioTable.Existing"/>).
    /// See docs/hosting.md.
    /// </param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <remarks>
    /// The section is bound by code generated at build time, so this works with dynamic code off
    /// (trimmed and NativeAOT hosts). On PostgreSQL with no connection string, the container's
    /// <c>NpgsqlDataSource</c> is used. The section is read when the host starts; a bad value fails
    /// the start with an <see cref="InvalidValueException"/> naming the key.
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddPortfolioGroups(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(static sp => sp.GetRequiredService<PortfolioStoreLifetime>().Options);
        return Register(services, sp => PortfolioGroupsConfiguration.Read(configuration, sp));
    }

    /// <summary>
    /// Registers one of several stores in the container, under <paramref name="serviceKey"/>: two
    /// databases, or two PostgreSQL schemas, each with its own lifetime. Resolve it with
    /// <c>[FromKeyedServices(key)] PortfolioStore store</c> or <c>GetRequiredKeyedService&lt;PortfolioStore&gt;(key)</c>;
    /// add its health check with <c>AddHealthChecks().AddKeyedPortfolioGroups(key)</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key of this store.</param>
    /// <param name="configure">Called once, when the host starts, with the container.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <remarks>A second registration under the same key adds nothing (the first wins), as the unkeyed overloads do.</remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddKeyedPortfolioGroups(this IServiceCollection services, object serviceKey, Action<IServiceProvider, PortfolioGroupsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return RegisterKeyed(services, serviceKey, sp => Configure(sp, configure));
    }

    /// <summary>Registers one of several stores under <paramref name="serviceKey"/>, configured from a configuration section (as <see cref="AddPortfolioGroups(IServiceCollection, IConfiguration)"/>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The key of this store.</param>
    /// <param name="configuration">The section, such as <c>builder.Configuration.GetSection("PortfolioGroups:Reports")</c>.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddKeyedPortfolioGroups(this IServiceCollection services, object serviceKey, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return RegisterKeyed(services, serviceKey, sp => PortfolioGroupsConfiguration.Read(configuration, sp));
    }

    private static PortfolioGroupsOptions Configure(IServiceProvider services, Action<IServiceProvider, PortfolioGroupsOptions> configure)
    {
        var options = new PortfolioGroupsOptions();
        configure(services, options);
        return options;
    }

    private static IServiceCollection Register(IServiceCollection services, Func<IServiceProvider, PortfolioGroupsOptions> options)
    {
        services.TryAddSingleton(sp => new PortfolioStoreLifetime(() => options(sp), sp.GetService<ILoggerFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PortfolioStoreLifetime>(static sp => sp.GetRequiredService<PortfolioStoreLifetime>()));
        services.TryAddSingleton(static sp => sp.GetRequiredService<PortfolioStoreLifetime>().Store);
        return services;
    }

    private static IServiceCollection RegisterKeyed(IServiceCollection services, object serviceKey, Func<IServiceProvider, PortfolioGroupsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(serviceKey);
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(PortfolioStoreLifetime) && Equals(d.ServiceKey, serviceKey)))
        {
            return services;
        }

        services.AddKeyedSingleton(serviceKey, (sp, _) => new PortfolioStoreLifetime(() => options(sp), sp.GetService<ILoggerFactory>()));
        // One hosted service per key: each store opens at start and is disposed at stop on its own.
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<PortfolioStoreLifetime>(serviceKey));
        services.AddKeyedSingleton(serviceKey, static (sp, key) => sp.GetRequiredKeyedService<PortfolioStoreLifetime>(key).Store);
        services.AddKeyedSingleton(serviceKey, static (sp, key) => sp.GetRequiredKeyedService<PortfolioStoreLifetime>(key).Options);
        return services;
    }
}
