// Filled in by issue 11 work.
#include <gtest/gtest.h>
