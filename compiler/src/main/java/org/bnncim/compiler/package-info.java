package org.bnncim.compiler;
