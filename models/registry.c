/* The submodel pipeline, in the order the engine steps them.
 * A new submodel is one file in models/ and one line here. */
#include "pactsim_model.h"

extern const ps_model ps_model_sanctions;
extern const ps_model ps_model_oil;
extern const ps_model ps_model_economy;
extern const ps_model ps_model_military;
extern const ps_model ps_model_cooperation;
extern const ps_model ps_model_promises;
extern const ps_model ps_model_alignment;
extern const ps_model ps_model_leverage;
extern const ps_model ps_model_cover;
extern const ps_model ps_model_agreements;
extern const ps_model ps_model_clients;
extern const ps_model ps_model_strikes;
extern const ps_model ps_model_damage;
extern const ps_model ps_model_leadership;

const ps_model *const ps_models[] = {
    &ps_model_sanctions,
    &ps_model_oil,
    &ps_model_economy,
    &ps_model_military,
    &ps_model_cooperation,
    &ps_model_promises,
    &ps_model_alignment,
    &ps_model_leverage,
    &ps_model_cover,
    &ps_model_agreements,
    &ps_model_clients,
    &ps_model_strikes,
    &ps_model_damage,
    &ps_model_leadership,
    NULL,
};
