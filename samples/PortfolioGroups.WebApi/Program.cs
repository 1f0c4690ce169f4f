using Scalar.AspNetCore;

// The PortfolioGroups HTTP API v1 on a SQLite file next to this project, or on PostgreSQL when
// ConnectionStrings:Postgres is set (appsettings.json, an environment variable
// ConnectionStrings__Postgres, or --ConnectionStrings:Postgres=...). A connection string naming a
// primary and its standbys (Host=primary:5432,standby:5432) with PortfolioGroups:PostgresReads set
// to PreferStandby serves reads from a standby (PortfolioGroups:ReadYourWrites, on by default).
Interrupts.Restore();                               // Ctrl+C stops the server, even when started in the background
var builder = WebApplication.CreateBuilder(args);

var postgres = builder.Configuration.GetConnectionString("Postgres");
var sqlite = builder.Configuration.GetConnectionString("Sqlite")
             ?? $"Data Source={Path.Combine(builder.Environment.ContentRootPath, "portfolios.db")}";
builder.Services.AddPortfolioGroups(o =>
{
    if (string.IsNullOrWhiteSpace(postgres))
    {
        o.UseSqlite(sqlite);
    }
    else
    {
        o.UsePostgres(postgres);
        if (Enum.TryParse<PortfolioGroups.PostgresReadTarget>(builder.Configuration["PortfolioGroups:PostgresReads"], ignoreCase: true, out var reads))
        {
            o.Store = o.Store with { PostgresReads = reads };
        }

        if (bool.TryParse(builder.Configuration["PortfolioGroups:ReadYourWrites"], out var readYourWrites))
        {
            o.Store = o.Store with { ReadYourWrites = readYourWrites };
        }
    }

    o.MigrateOnStart = true;
});
builder.Services.AddHealthChecks().AddPortfolioGroups();   // /health/ready: the store is open and migrated
builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
{
    // This sample serves without authentication; a host that adds it to the route group
    // (MapPortfolioGroupsApi returns it) describes its scheme here instead.
    foreach (var operation in document.Paths.Values.Where(p => p.Operations is not null).SelectMany(p => p.Operations!.Values))
    {
        operation.Security = [];
    }

    foreach (var tag in document.Tags ?? new HashSet<Microsoft.OpenApi.OpenApiTag>())
    {
        tag.Description = tag.Name == "portfolio" ? "Portfolios." : "Portfolio groups, their portfolios and their memberships.";
    }

    document.Info.Title = "PortfolioGroups HTTP API";
    document.Info.Version = "v1";
    document.Info.Description = "Portfolios, portfolio groups and their many-to-many membership.";
    document.Info.License = new Microsoft.OpenApi.OpenApiLicense { Name = "MIT", Url = new Uri("https://opensource.org/licenses/MIT") };
    // The document describes the routes, not the machine serving them.
    document.Servers = [new Microsoft.OpenApi.OpenApiServer { Url = "/" }];
    return Task.CompletedTask;
}));
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapOpenApi();                                   // /openapi/v1.json
if (app.Environment.IsDevelopment())
{
    app.MapScalarApiReference();                    // /scalar/v1: try the API in a browser
}

app.MapPortfolioGroupsApi(prefix: "/api/v1");
app.MapHealthChecks("/health/ready");                   // the store is open and migrated (readiness)
app.MapPortfolioGroupsConnectionContract();       // /.well-known/command-center/connection-contract and /health (liveness)
app.Run();

/// <summary>The sample's entry point, public so tests can host it (WebApplicationFactory).</summary>
public partial class Program;
