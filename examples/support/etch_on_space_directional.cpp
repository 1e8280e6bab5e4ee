// etch_on_best_space for fabtwin::etch::DirectionalEtch (support/etch_on_space.hpp): one model per unit.

#include "support/etch_on_space_definition.hpp"

namespace examples {

template SpaceRun etch_on_best_space(const EtchRun&, const fabtwin::etch::DirectionalEtch&,
                                     fabtwin::etch::Domain<double, fabtwin::Host>&,
                                     const std::function<void(const fabtwin::etch::EtchProgress&)>&,
                                     bool);

}  // namespace examples
