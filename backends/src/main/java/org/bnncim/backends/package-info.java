package org.bnncim.backends;
