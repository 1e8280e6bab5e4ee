#pragma once
// The definition of etch_on_best_space (support/etch_on_space.hpp), for the units that instantiate
// it, one model each.

#include <type_traits>

#include "support/etch_on_space.hpp"
#include "support/space.hpp"

namespace examples {

template <class Model>
SpaceRun etch_on_best_space(const EtchRun& run, const Model& model,
                            fabtwin::etch::Domain<double, fabtwin::Host>& domain,
                            const std::function<void(const fabtwin::etch::EtchProgress&)>& progress,
                            bool sample_surface) {
  using namespace fabtwin;
  using namespace fabtwin::etch;
  EtchOptions options;
  options.time_s = run.time_s;
  options.step_s = run.step_s;
  options.flux.rays_per_point = run.rays_per_point;
  options.flux.seed = run.seed;
  options.flux.ion_bounces = run.ion_bounces;
  return on_best_space([&](auto tag) {
    using Space = decltype(tag);
    constexpr bool on_host = std::is_same_v<Space, Host>;
    SpaceRun out;
    out.space = on_host ? "host" : "cuda";
    // The domain is built on the host, etched on the space (`etched`: the host domain itself on
    // the host, a device copy on a GPU), and read back for metrology and files.
    const auto etch_on = [&](Context<Space>& ctx, Domain<double, Space>& etched) {
      out.report = run_etch(ctx, etched, model, options, progress);
      if constexpr (!on_host) domain = etch::to<Host>(etched);
      if (!sample_surface) return;
      if (domain.mirrored) {  // the files show the whole pitch, its surface too
        domain = whole_pitch(domain);
        if constexpr (!on_host) etched = etch::to<Space>(domain);
      }
      const auto directions =
          run_directions<Space>(model, etched.lattice.dimension(), options.flux);
      const auto snapshot = surface_rates(ctx, etched, model, directions.ions, directions.neutrals,
                                          options.flux, 1u << 20);
      const auto points = to<Host>(snapshot.surface.points);
      const auto fluxes = to<Host>(snapshot.fluxes);
      const auto rates = to<Host>(snapshot.rate);
      SurfaceSample& s = out.surface;
      for (index_t k = 0; k < snapshot.surface.count; ++k) {
        const SurfacePoint& p = points.data()[k];
        const SurfaceFluxes<>& f = fluxes.data()[k];
        s.points.push_back({p.position.x, p.position.y, p.position.z});
        s.rate.push_back(rates.data()[k]);
        s.ion.push_back(f.ion_moment[0] * value_of(model.ion_flux()));
        s.reflected_ion.push_back(f.reflected(0) * value_of(model.ion_flux()));
        s.etchant.push_back(f.neutral[0]);
        s.oxygen.push_back(f.neutral[1]);
        s.material.push_back(p.material);
      }
    };
    if constexpr (on_host) {
      Context<Host> ctx(HostOptions{run.threads});
      out.threads = ctx.threads();
      etch_on(ctx, domain);
    } else {
      Context<Space> ctx;
      Domain<double, Space> etched = etch::to<Space>(domain);
      etch_on(ctx, etched);
    }
    return out;
  });
}

}  // namespace examples
