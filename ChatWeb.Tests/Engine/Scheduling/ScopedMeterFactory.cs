using System.Diagnostics.Metrics;

namespace ChatWeb.Tests.Engine.Scheduling;

/// <summary>Meters scoped to one test's scheduler, so a listener sees only that scheduler's measurements.</summary>
internal sealed class ScopedMeterFactory : IMeterFactory
{
    public Meter Create(MeterOptions options) => new(new MeterOptions(options.Name) { Scope = this });

    public void Dispose()
    {
    }
}
