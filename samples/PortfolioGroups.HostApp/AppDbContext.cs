using Microsoft.EntityFrameworkCore;

namespace PortfolioGroups.HostApp;

/// <summary>The application's own tables, which it owns and migrates with EF Core.</summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
{
    public DbSet<Calendar> Calendars => Set<Calendar>();

    public DbSet<Strategy> Strategies => Set<Strategy>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Calendar>(calendar =>
        {
            calendar.ToTable("app_calendar");
            calendar.HasKey(c => c.Uid);
        });
        modelBuilder.Entity<Strategy>(strategy =>
        {
            strategy.ToTable("app_strategy");
            strategy.HasKey(s => s.Uid);
            strategy.HasIndex(s => s.PortfolioIdentifier).IsUnique();
            strategy.HasOne<Calendar>().WithMany().HasForeignKey(s => s.CalendarUid);
        });
    }
}

/// <summary>A trading calendar of the application.</summary>
public sealed class Calendar
{
    public Guid Uid { get; set; }

    public string Name { get; set; } = "";
}

/// <summary>A strategy of the application, run as a portfolio the library groups.</summary>
public sealed class Strategy
{
    public Guid Uid { get; set; }

    public string PortfolioIdentifier { get; set; } = "";

    public Guid CalendarUid { get; set; }
}
