/*
 * forecast.c -- app layer: SEIR fit and forecast of a stored series
 * (being written).
 */
#include "analysis.h"
