/* The submodel pipeline, in the order the engine steps them.
 * A new submodel is one file in models/ and one line here. */
#include "pactsim.h"

extern const ps_model ps_model_sanctions;
extern const ps_model ps_model_economy;

const ps_model *const ps_models[] = {
    &ps_model_sanctions,
    &ps_model_economy,
    NULL,
};
